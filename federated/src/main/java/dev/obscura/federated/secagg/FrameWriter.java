package dev.obscura.federated.secagg;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Writes one frame, big-endian: the {@link WireFormat} header, then body fields in order. */
final class FrameWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    FrameWriter(final MessageType type, final int party, final long roundId) {
        putByte(WireFormat.VERSION).putByte(type.code()).putByte(0).putByte(0).putInt(party).putLong(roundId);
    }

    FrameWriter putByte(final int v) {
        bytes.write(v);
        return this;
    }

    FrameWriter putInt(final int v) {
        return putByte(v >>> 24).putByte(v >>> 16).putByte(v >>> 8).putByte(v);
    }

    FrameWriter putLong(final long v) {
        return putInt((int) (v >>> 32)).putInt((int) v);
    }

    FrameWriter putBytes(final byte[] v) {
        bytes.writeBytes(v);
        return this;
    }

    /** A count, then the ids. */
    FrameWriter putIds(final int[] ids) {
        putInt(ids.length);
        for (final int id : ids) {
            putInt(id);
        }
        return this;
    }

    /** A count, then the values (in one bulk copy: an update may hold millions). */
    FrameWriter putLongs(final long[] values) {
        putInt(values.length);
        final ByteBuffer block = ByteBuffer.allocate(values.length * Long.BYTES);
        block.asLongBuffer().put(values);
        return putBytes(block.array());
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
