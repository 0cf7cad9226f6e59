package dev.obscura.federated.secagg;

import dev.obscura.federated.secagg.SecAggException.Reason;
import java.nio.ByteBuffer;

/**
 * Reads one frame: checks the {@link WireFormat} header, then hands out body fields, refusing any count that the
 * remaining bytes cannot hold and any byte left over.
 */
final class FrameReader {
    private final ByteBuffer buffer;
    private final MessageType type;
    private final int party;
    private final long roundId;

    FrameReader(final byte[] frame) {
        if (frame.length < WireFormat.HEADER_BYTES) {
            throw malformed("frame shorter than the header, length=" + frame.length);
        }
        buffer = ByteBuffer.wrap(frame);
        final int version = buffer.get() & 0xFF;
        if (version != WireFormat.VERSION) {
            throw malformed("unsupported version, version=" + version + ", supported=" + WireFormat.VERSION);
        }
        type = MessageType.of(buffer.get() & 0xFF);
        final int reserved = buffer.getShort();
        if (reserved != 0) {
            throw malformed("reserved header bytes must be zero, type=" + type);
        }
        party = buffer.getInt();
        roundId = buffer.getLong();
    }

    MessageType type() {
        return type;
    }

    int party() {
        return party;
    }

    long roundId() {
        return roundId;
    }

    /** Refuses a message of a server-side type whose header names another party than the server. */
    void expectServerParty() {
        if (party != WireFormat.SERVER) {
            throw malformed("this type comes from the server, type=" + type + ", party=" + party);
        }
    }

    int getByte() {
        need(1);
        return buffer.get() & 0xFF;
    }

    int getInt() {
        need(Integer.BYTES);
        return buffer.getInt();
    }

    byte[] getBytes(final int length) {
        need(length);
        final byte[] out = new byte[length];
        buffer.get(out);
        return out;
    }

    /** A count of entries of {@code entryBytes} each, at most {@code max}, that the remaining bytes can hold. */
    int getCount(final int entryBytes, final int max) {
        final int count = getInt();
        if (count < 0 || count > max || (long) count * entryBytes > buffer.remaining()) {
            throw malformed("count does not fit the frame, type=" + type + ", count=" + count + ", max=" + max
                + ", remaining bytes=" + buffer.remaining());
        }
        return count;
    }

    /** A count, then that many ids, which must be non-negative and ascending (one frame, one meaning). */
    int[] getIds(final int max) {
        final int[] ids = new int[getCount(Integer.BYTES, max)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = buffer.getInt();
            ascending(i == 0 ? -1 : ids[i - 1], ids[i]);
        }
        return ids;
    }

    /** Refuses an id that is not above the one before it ({@code -1} for the first). */
    void ascending(final int previous, final int id) {
        if (id <= previous) {
            throw malformed("ids must be non-negative and ascending, type=" + type + ", id=" + id + ", previous="
                + previous);
        }
    }

    /** A count, then that many values. */
    long[] getLongs(final int max) {
        final long[] values = new long[getCount(Long.BYTES, max)];
        buffer.asLongBuffer().get(values);
        buffer.position(buffer.position() + values.length * Long.BYTES);
        return values;
    }

    /** Refuses a frame with bytes after its last field. */
    void end() {
        if (buffer.hasRemaining()) {
            throw malformed("trailing bytes after the body, type=" + type + ", trailing=" + buffer.remaining());
        }
    }

    private void need(final int bytes) {
        if (buffer.remaining() < bytes) {
            throw malformed("frame too short for its body, type=" + type + ", needed=" + bytes + ", remaining="
                + buffer.remaining());
        }
    }

    private static SecAggException malformed(final String message) {
        return new SecAggException(Reason.MALFORMED, message);
    }
}
