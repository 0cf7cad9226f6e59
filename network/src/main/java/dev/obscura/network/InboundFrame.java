package dev.obscura.network;

import dev.obscura.ring.RingTensor;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A data frame received and not yet taken by the program: its payload as retained slices of the decrypted buffers
 * the TLS layer handed up (no copy on arrival), and when the link emulation lets it be delivered.
 *
 * <p>The payload may hold shares, so {@link #release()} zeroes every slice before it goes back to the allocator's
 * pool: this is where received plaintext leaves the transport's control (issue 10).
 */
final class InboundFrame {
    private final List<ByteBuf> slices;
    private final int length;
    private final long availableAtNanos;

    InboundFrame(final List<ByteBuf> slices, final int length, final long availableAtNanos) {
        this.slices = slices;
        this.length = length;
        this.availableAtNanos = availableAtNanos;
    }

    /** Payload bytes. */
    int length() {
        return length;
    }

    /** When the link emulation delivers this frame ({@link System#nanoTime()} scale). */
    long availableAtNanos() {
        return availableAtNanos;
    }

    /** Copies the payload into {@code parts}, in order; their total size must equal {@link #length()}. */
    void copyTo(final RingTensor[] parts) {
        int part = 0;
        int partOffset = 0;
        for (final ByteBuf s : slices) {
            int at = s.readerIndex();
            int left = s.readableBytes();
            while (left > 0) {
                while (partOffset == parts[part].numel() * Long.BYTES) {
                    part++;
                    partOffset = 0;
                }
                final UnsafeBuffer dst = parts[part].buffer();
                final int n = Math.min(left, dst.capacity() - partOffset);
                copy(s, at, dst, partOffset, n);
                at += n;
                left -= n;
                partOffset += n;
            }
        }
    }

    /** The payload as a new array. */
    byte[] toBytes() {
        final byte[] out = new byte[length];
        int at = 0;
        for (final ByteBuf s : slices) {
            final int n = s.readableBytes();
            s.getBytes(s.readerIndex(), out, at, n);
            at += n;
        }
        return out;
    }

    /** Zeroes and releases the payload. */
    void release() {
        zeroAndRelease(slices);
    }

    /** Zeroes the readable bytes of each of {@code slices}, releases it, and empties the list. */
    static void zeroAndRelease(final List<ByteBuf> slices) {
        for (final ByteBuf s : slices) {
            s.setZero(s.readerIndex(), s.readableBytes());
            s.release();
        }
        slices.clear();
    }

    private static void copy(final ByteBuf src, final int srcIndex, final UnsafeBuffer dst, final int dstIndex,
                             final int n) {
        if (src.hasMemoryAddress()) {
            UnsafeApi.copyMemory(src.memoryAddress() + srcIndex, dst.addressOffset() + dstIndex, n);
        } else if (src.hasArray()) {
            dst.putBytes(dstIndex, src.array(), src.arrayOffset() + srcIndex, n);
        } else {
            dst.putBytes(dstIndex, src.nioBuffer(srcIndex, n), 0, n);
        }
    }
}
