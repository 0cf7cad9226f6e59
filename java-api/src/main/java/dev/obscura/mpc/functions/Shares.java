package dev.obscura.mpc.functions;

import dev.obscura.mpc.Scope;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Local helpers over shares for the functions of this package: views, concatenation and re-indexing (a party moves
 * its own share elements around, which is a linear map and so commutes with the sharing), and products and
 * truncations on "raw" values whose scale the caller tracks itself.
 *
 * <p>A raw value is a {@link SecretTensor} labelled with 0 fractional bits whose ring value really is
 * {@code v * 2^s} for a scale {@code s} known to the caller. Products of raw values are exact ring products (no
 * truncation: both labels are 0), and {@link #truncate} drops exactly the bits the caller asks for. This lets the
 * approximations run their inner steps at 20 to 30 fractional bits, well above the session's f, while the public
 * operations keep their documented scales.
 *
 * <p>Every new tensor is made through {@link SecureOps#adopt}, so it belongs to the innermost open scope like the
 * results of the operations; views ({@link #relabel}, {@link #view}, {@link #flat}, {@link #row}) are valid while
 * the tensor they view is, and are never kept.
 */
final class Shares {
    private Shares() {
    }

    /** A view of {@code x}'s share (no copy) with another label; valid while {@code x} is open. */
    static SecretTensor relabel(final SecretTensor x, final int fracBits) {
        return new SecretTensor(x.share().reshape(x.shape()), fracBits);
    }

    /** A view of {@code x}'s share with another shape and label; valid while {@code x} is open. */
    static SecretTensor view(final SecretTensor x, final int fracBits, final int... shape) {
        return new SecretTensor(x.share().reshape(shape), fracBits);
    }

    /** A flat view of elements {@code [from, to)} of {@code x} in row-major order; valid while {@code x} is open. */
    static SecretTensor flat(final SecretTensor x, final long from, final long to, final int fracBits) {
        return new SecretTensor(x.share().reshape(Math.toIntExact(x.numel())).slice(Math.toIntExact(from),
            Math.toIntExact(to)), fracBits);
    }

    /** Row {@code row} of a tensor of shape {@code [rows, cols]}, flat; a view. */
    static SecretTensor row(final SecretTensor x, final int row, final int cols, final int fracBits) {
        return flat(x, (long) row * cols, (long) row * cols + cols, fracBits);
    }

    /** A new flat tensor of {@code n} zeros labelled {@code fracBits}. */
    static SecretTensor zeros(final SecureOps ops, final int fracBits, final long n) {
        return ops.adopt(RingTensor.zeros(Math.toIntExact(n)), fracBits);
    }

    /** A new flat tensor holding the elements of {@code parts} one after the other, labelled {@code fracBits}. */
    static SecretTensor concat(final SecureOps ops, final int fracBits, final SecretTensor... parts) {
        long total = 0;
        for (final SecretTensor p : parts) {
            total += p.numel();
        }
        final SecretTensor out = zeros(ops, fracBits, total);
        long at = 0;
        for (final SecretTensor p : parts) {
            copyInto(out, at, p);
            at += p.numel();
        }
        return out;
    }

    /** Copies the elements of {@code source} into elements {@code [at, at + source.numel())} of {@code target}. */
    static void copyInto(final SecretTensor target, final long at, final SecretTensor source) {
        final int n = Math.toIntExact(source.numel());
        target.share().reshape(Math.toIntExact(target.numel())).slice(Math.toIntExact(at), Math.toIntExact(at + n))
            .copyFrom(source.share());
    }

    /**
     * The transpose of a share read as {@code [rows, cols]}, as a new tensor of {@code outShape} (which holds
     * {@code rows * cols} elements, read as {@code [cols, rows]}).
     */
    static SecretTensor transpose(final SecureOps ops, final SecretTensor x, final int rows, final int cols,
                                  final int fracBits, final int... outShape) {
        final RingTensor in = x.share();
        if (Shapes.numel(outShape) != (long) rows * cols || in.numel() != (long) rows * cols) {
            throw new IllegalArgumentException("transpose needs rows * cols elements, rows=" + rows + ", cols="
                + cols + ", numel=" + in.numel() + ", outShape=" + Shapes.toString(outShape));
        }
        final SecretTensor result = ops.adopt(RingTensor.zeros(outShape), fracBits);
        // Through the buffers (byte offsets): no per-element lookup of the memory behind a tensor. Tensors are
        // below 2 GiB, so int offsets hold.
        final UnsafeBuffer src = in.buffer();
        final UnsafeBuffer dst = result.share().buffer();
        final int column = rows * Long.BYTES;
        int from = 0;
        for (int r = 0; r < rows; r++) {
            int to = r * Long.BYTES;
            for (int c = 0; c < cols; c++, from += Long.BYTES, to += column) {
                dst.putLong(to, src.getLong(from));
            }
        }
        return result;
    }

    /** A new tensor of {@code shape} (same element count) holding a copy of {@code x}'s share. */
    static SecretTensor copy(final SecureOps ops, final SecretTensor x, final int fracBits, final int... shape) {
        if (Shapes.numel(shape) != x.numel()) {
            throw new IllegalArgumentException("copy needs the same element count, numel=" + x.numel() + ", shape="
                + Shapes.toString(shape));
        }
        final SecretTensor out = ops.adopt(RingTensor.zeros(shape), fracBits);
        out.share().copyFrom(x.share());
        return out;
    }

    /** Each element of {@code x} ({@code n} of them) repeated {@code k} times: shape {@code [n * k]}. */
    static SecretTensor repeat(final SecureOps ops, final SecretTensor x, final int k) {
        final RingTensor in = x.share();
        final long n = in.numel();
        final SecretTensor result = ops.adopt(RingTensor.zeros(Math.toIntExact(n * k)), x.fracBits());
        final RingTensor out = result.share();
        long at = 0;
        for (long i = 0; i < n; i++) {
            final long v = in.get(i);
            for (int j = 0; j < k; j++) {
                out.set(at++, v);
            }
        }
        return result;
    }

    /** A public ring scalar, shape {@code [1]}, for broadcasting public additions. */
    static RingTensor scalar(final long value) {
        final RingTensor t = RingTensor.zeros(1);
        t.set(0, value);
        return t;
    }

    /** {@code x + c} for a public ring scalar {@code c} (party 0 adds it); keeps {@code x}'s label. */
    static SecretTensor addScalar(final SecureOps ops, final SecretTensor x, final long c) {
        try (RingTensor p = scalar(c)) {
            return ops.addPublic(x, p);
        }
    }

    /** {@code 1 - bit} for shared 0/1 values. */
    static SecretTensor not(final SecureOps ops, final SecretTensor bits) {
        return addScalar(ops, ops.neg(bits), 1);
    }

    /** The exact ring product of two raw values (no truncation): scales add. One multiplication round. */
    static SecretTensor mulRaw(final SecureOps ops, final SecretTensor a, final SecretTensor b) {
        return ops.mul(relabel(a, 0), relabel(b, 0));
    }

    /** A raw value divided by {@code 2^bits} (floor, within 1 ulp of the new scale): one truncation round. */
    static SecretTensor truncate(final SecureOps ops, final SecretTensor raw, final int bits) {
        if (bits == 0) {
            return ops.mulInteger(relabel(raw, 0), 1);
        }
        return ops.truncate(relabel(raw, bits), bits);
    }

    /**
     * {@code sum_j w[j] * rows[j]} for a tensor of shape {@code [rows, n]} and public integer weights: local. The
     * result is raw (labelled 0).
     */
    static SecretTensor weightedRowSum(final SecureOps ops, final SecretTensor x, final long[] weights,
                                       final int n) {
        final int rows = weights.length;
        // Its own scope: the weighted rows ([rows, n]) go as soon as they are summed.
        try (Scope s = ops.scope(); RingTensor w = RingTensor.of(weights, rows, 1)) {
            return s.keep(ops.sum(ops.mulPublic(view(x, 0, rows, n), w, 0), 0));
        }
    }
}
