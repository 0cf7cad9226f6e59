package dev.obscura.federated.worker;

import java.nio.charset.StandardCharsets;

/**
 * Reads one message of the worker protocol ({@link WorkerProtocol}) from untrusted bytes: every count and shape is
 * checked against the bytes that remain before anything is allocated, and {@link #end()} refuses bytes left over.
 * A problem throws {@link IllegalArgumentException} naming the field ("malformed message: ..."). Not thread-safe.
 */
final class WireReader {
    /** The largest rank of a tensor on the wire. */
    static final int MAX_RANK = 8;
    /** The longest string on the wire (names, messages), in bytes. */
    static final int MAX_STRING_BYTES = 4096;

    private final byte[] bytes;
    private int at;

    WireReader(final byte[] bytes) {
        this.bytes = bytes;
    }

    private void need(final long n, final String field) {
        if (n < 0 || n > bytes.length - at) {
            throw malformed(field + " does not fit the message, needed=" + n + ", remaining=" + (bytes.length - at));
        }
    }

    static IllegalArgumentException malformed(final String why) {
        return new IllegalArgumentException("malformed message: " + why);
    }

    int u8(final String field) {
        need(1, field);
        return bytes[at++] & 0xFF;
    }

    boolean bool(final String field) {
        final int v = u8(field);
        if (v > 1) {
            throw malformed(field + " must be 0 or 1, value=" + v);
        }
        return v == 1;
    }

    int i32(final String field) {
        need(4, field);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (bytes[at++] & 0xFF) << (8 * i);
        }
        return v;
    }

    long i64(final String field) {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (bytes[at++] & 0xFFL) << (8 * i);
        }
        return v;
    }

    float f32(final String field) {
        return Float.intBitsToFloat(i32(field));
    }

    double f64(final String field) {
        return Double.longBitsToDouble(i64(field));
    }

    /** A count of at most {@code max} entries of {@code entryBytes} bytes each that the remaining bytes hold. */
    int count(final String field, final int max, final int entryBytes) {
        final int n = i32(field + " count");
        if (n < 0 || n > max) {
            throw malformed(field + " count out of range, count=" + n + ", max=" + max);
        }
        need((long) n * entryBytes, field);
        return n;
    }

    /**
     * A shape of at most {@link #MAX_RANK} non-negative dimensions whose element count, at {@code elementBytes} each,
     * the remaining bytes can hold ({@code elementBytes} 0: no data follows, any count up to 2^31-1).
     */
    int[] shape(final String field, final int elementBytes) {
        final int rank = u8(field + " rank");
        if (rank > MAX_RANK) {
            throw malformed(field + " rank out of range, rank=" + rank + ", max=" + MAX_RANK);
        }
        final int[] shape = new int[rank];
        long numel = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = i32(field + " dimension");
            if (shape[i] < 0) {
                throw malformed(field + " has a negative dimension, dimension=" + shape[i]);
            }
            numel *= shape[i];
            if (numel > Integer.MAX_VALUE - 8) {
                throw malformed(field + " has too many elements, shape=" + java.util.Arrays.toString(shape));
            }
        }
        if (elementBytes > 0) {
            need(numel * elementBytes, field + " values");
        }
        return shape;
    }

    float[] floats(final int count, final String field) {
        need(4L * count, field);
        final float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = Float.intBitsToFloat((bytes[at] & 0xFF) | (bytes[at + 1] & 0xFF) << 8
                | (bytes[at + 2] & 0xFF) << 16 | (bytes[at + 3] & 0xFF) << 24);
            at += 4;
        }
        return out;
    }

    long[] longs(final int count, final String field) {
        need(8L * count, field);
        final long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = i64(field);
        }
        return out;
    }

    int[] ints(final String field, final int max) {
        final int n = count(field, max, 4);
        final int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i32(field);
        }
        return out;
    }

    long[] ids(final String field, final int max) {
        return longs(count(field, max, 8), field);
    }

    String string(final String field) {
        return new String(blob(field, MAX_STRING_BYTES), StandardCharsets.UTF_8);
    }

    byte[] blob(final String field, final int maxBytes) {
        final int n = count(field, maxBytes, 1);
        final byte[] out = new byte[n];
        System.arraycopy(bytes, at, out, 0, n);
        at += n;
        return out;
    }

    /** Refuses bytes after the last field. */
    void end() {
        if (at != bytes.length) {
            throw malformed("trailing bytes after the message, trailing=" + (bytes.length - at));
        }
    }
}
