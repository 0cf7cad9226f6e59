package dev.obscura.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Random;

/**
 * Forged and broken frames, each of a kind a hostile or broken peer might send after a proper hello, with the start
 * of the protocol error the receiver must report (or {@code null} where the receiver can only see a frame cut short
 * when the connection ends).
 */
enum HostileFrames {
    RANDOM_BYTES(null),
    TRUNCATED("disconnected in the middle of a frame"),
    LENGTH_ZERO("frame length out of range, length=0,"),
    LENGTH_MINUS_ONE("frame length out of range, length=-1,"),
    LENGTH_MAX_INT("frame length out of range, length=2147483647,"),
    LENGTH_JUST_ABOVE_LIMIT("frame length out of range, length="),
    WRONG_VERSION("unsupported protocol version, version=2, expected=1"),
    UNKNOWN_TYPE("unknown frame type, type=77"),
    WRONG_SESSION("frame of another session"),
    WRONG_SENDER("frame from the wrong sender, sender=9, expected="),
    SEQUENCE_AHEAD("frame out of sequence"),
    REPLAYED("frame out of sequence"),
    SECOND_HELLO("a second hello frame"),
    HEARTBEAT_WITH_PAYLOAD("heartbeat frame too long, payload=8, max=0"),
    ABORT_TOO_LONG("abort frame too long");

    /** What the receiver's error starts with (after "protocol error from ..."), or null for random bytes. */
    final String error;

    HostileFrames(final String error) {
        this.error = error;
    }

    /**
     * The bytes of this kind, for a connection from {@code sender} in {@code session} whose next frame is numbered
     * {@code sequence}, with data frames limited to {@code maxFrameBytes}.
     */
    ByteBuf bytes(final ByteBufAllocator alloc, final Random random, final int sender, final long session,
                  final long sequence, final long maxFrameBytes) {
        final ByteBuf b = alloc.buffer(256);
        switch (this) {
            case RANDOM_BYTES -> {
                final byte[] junk = new byte[1 + random.nextInt(200)];
                random.nextBytes(junk);
                junk[FrameDescriptor.VERSION_OFFSET % junk.length] = (byte) 0xEE; // never version 1 by chance
                b.writeBytes(junk);
            }
            case TRUNCATED -> {
                header(b, 1000, FrameDescriptor.VERSION, FrameDescriptor.TYPE_DATA, sender, session, sequence);
                b.writeZero(1 + random.nextInt(500));
            }
            case LENGTH_ZERO -> header(b, 0, 1, FrameDescriptor.TYPE_DATA, sender, session, sequence);
            case LENGTH_MINUS_ONE -> header(b, -1, 1, FrameDescriptor.TYPE_DATA, sender, session, sequence);
            case LENGTH_MAX_INT -> header(b, Integer.MAX_VALUE, 1, FrameDescriptor.TYPE_DATA, sender, session,
                sequence);
            case LENGTH_JUST_ABOVE_LIMIT -> header(b, (int) (FrameDescriptor.HEADER_LENGTH + maxFrameBytes + 1), 1,
                FrameDescriptor.TYPE_DATA, sender, session, sequence);
            case WRONG_VERSION -> data(header(b, 32, 2, FrameDescriptor.TYPE_DATA, sender, session, sequence));
            case UNKNOWN_TYPE -> data(header(b, 32, 1, 77, sender, session, sequence));
            case WRONG_SESSION -> data(header(b, 32, 1, FrameDescriptor.TYPE_DATA, sender, session ^ 0x5A5A,
                sequence));
            case WRONG_SENDER -> data(header(b, 32, 1, FrameDescriptor.TYPE_DATA, 9, session, sequence));
            case SEQUENCE_AHEAD -> data(header(b, 32, 1, FrameDescriptor.TYPE_DATA, sender, session,
                sequence + 1 + random.nextInt(1000)));
            case REPLAYED -> {
                data(header(b, 32, 1, FrameDescriptor.TYPE_DATA, sender, session, sequence));
                data(header(b, 32, 1, FrameDescriptor.TYPE_DATA, sender, session, sequence));
            }
            case SECOND_HELLO -> data(header(b, 32, 1, FrameDescriptor.TYPE_HELLO, sender, 0, 0));
            case HEARTBEAT_WITH_PAYLOAD -> data(header(b, 32, 1, FrameDescriptor.TYPE_HEARTBEAT, sender, session,
                sequence));
            case ABORT_TOO_LONG -> header(b, FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_REASON_BYTES + 1, 1,
                FrameDescriptor.TYPE_ABORT, sender, session, sequence);
            default -> throw new IllegalStateException(name());
        }
        return b;
    }

    static ByteBuf header(final ByteBuf b, final int length, final int version, final int type, final int sender,
                          final long session, final long sequence) {
        return b.writeIntLE(length).writeByte(version).writeByte(type).writeShortLE(sender).writeLongLE(session)
            .writeLongLE(sequence);
    }

    private static void data(final ByteBuf b) {
        b.writeLongLE(0x0123456789ABCDEFL);
    }
}
