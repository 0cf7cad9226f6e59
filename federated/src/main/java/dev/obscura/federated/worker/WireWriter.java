package dev.obscura.federated.worker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one message of the worker protocol ({@link WorkerProtocol}): little-endian fields appended to a growing
 * array. Not thread-safe.
 */
final class WireWriter {
    private byte[] bytes;
    private int length;

    WireWriter(final int capacity) {
        this.bytes = new byte[Math.max(16, capacity)];
    }

    WireWriter() {
        this(64);
    }

    private void ensure(final long more) {
        final long needed = length + more;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("message too large for one frame, bytes=" + needed);
        }
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * bytes.length)));
        }
    }

    WireWriter u8(final int v) {
        ensure(1);
        bytes[length++] = (byte) v;
        return this;
    }

    WireWriter i32(final int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            bytes[length++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    WireWriter i64(final long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            bytes[length++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    WireWriter f32(final float v) {
        return i32(Float.floatToRawIntBits(v));
    }

    WireWriter f64(final double v) {
        return i64(Double.doubleToRawLongBits(v));
    }

    WireWriter bool(final boolean v) {
        return u8(v ? 1 : 0);
    }

    /** A rank and that many dimensions. */
    WireWriter shape(final int[] shape) {
        u8(shape.length);
        for (final int d : shape) {
            i32(d);
        }
        return this;
    }

    /** The values, without a count (the shape before them gives it). */
    WireWriter floats(final float[] values) {
        ensure(4L * values.length);
        for (final float v : values) {
            final int bits = Float.floatToRawIntBits(v);
            bytes[length] = (byte) bits;
            bytes[length + 1] = (byte) (bits >>> 8);
            bytes[length + 2] = (byte) (bits >>> 16);
            bytes[length + 3] = (byte) (bits >>> 24);
            length += 4;
        }
        return this;
    }

    /** The values, without a count. */
    WireWriter longs(final long[] values) {
        ensure(8L * values.length);
        for (final long v : values) {
            i64(v);
        }
        return this;
    }

    /** A count, then the values. */
    WireWriter ints(final int[] values) {
        i32(values.length);
        ensure(4L * values.length);
        for (final int v : values) {
            i32(v);
        }
        return this;
    }

    /** A count, then the ids. */
    WireWriter ids(final long[] ids) {
        i32(ids.length);
        return longs(ids);
    }

    /** A length, then the UTF-8 bytes. */
    WireWriter string(final String s) {
        return blob(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A length, then the bytes. */
    WireWriter blob(final byte[] b) {
        i32(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
        return this;
    }

    /** Bytes written so far. */
    int length() {
        return length;
    }

    /** The message, in a new array of its exact length. */
    byte[] toBytes() {
        return Arrays.copyOf(bytes, length);
    }
}
