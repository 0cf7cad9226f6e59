package dev.obscura.mpc.functions;

import dev.obscura.backend.WindowGeometry;
import dev.obscura.backend.WindowLayout;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;

/**
 * Exact maxima over secret-shared values, written only against {@link SecureOps}: the elementwise maximum, 2-D
 * max-pooling with its one-hot argmax mask, and the one-hot argmax along the last axis. Every result is exact (the
 * comparison is exact for every ring value), so these functions have no error bound: they equal plaintext.
 *
 * <h2>Knockout</h2>
 * A maximum over {@code P} candidates is a knockout tournament: the candidates are paired in order,
 * {@code (0, 1), (2, 3), ...}, each pair keeps the larger, and an odd last candidate waits for the next level, so
 * there are {@code ceil(log2 P)} levels whatever the number of windows or rows. Every level's comparisons go into
 * ONE call on the concatenated differences {@code a - b}:
 * <ul>
 *   <li>for the maximum alone, {@code b + relu(a - b)}: one {@link SecureOps#relu} call per level, so a level costs
 *       exactly the rounds of one comparison;</li>
 *   <li>with the one-hot position (max-pool, argmax), the bits {@code [a - b >= 0]} from one
 *       {@link SecureOps#reluDerivative} call, then ONE {@link SecureOps#mul} call for the selection
 *       {@code b + [a >= b] (a - b)} and the one-hot updates together: a group's one-hot rows are multiplied by
 *       the pair's bit (left group) or its complement (right group). A bit times a value or a bit needs no
 *       truncation, so a level costs one comparison and one multiplication round. Since groups stay contiguous and
 *       in order, and a tie keeps the left group, the first maximum wins.</li>
 * </ul>
 *
 * <p>Gathering candidates (windows, columns) is a local re-indexing of each party's own share, which commutes with
 * additive sharing; it allocates per tensor, never per element, and the windows of a max-pool are gathered by the
 * session's backend ({@link dev.obscura.backend.Backend#windowGather}).
 */
public final class Pooling {
    private Pooling() {
    }

    /**
     * Elementwise {@code max(a, b)} (NumPy broadcasting, equal fractional bits): {@code b + relu(a - b)}, one
     * {@link SecureOps#relu} call, so exactly the rounds of one comparison. Exact for every pair whose difference
     * is below 2^63 in magnitude.
     */
    public static SecretTensor max(final SecureOps ops, final SecretTensor a, final SecretTensor b) {
        requireSameScale(a, b, "max");
        try (SecretTensor diff = ops.sub(a, b); SecretTensor excess = ops.relu(diff)) {
            return ops.add(b, excess);
        }
    }

    /**
     * Max-pooling of {@code x [N, C, H, W]} over {@code kH x kW} windows with strides {@code sH, sW} and no padding;
     * the output size is {@code floor((H - kH) / sH) + 1} by {@code floor((W - kW) / sW) + 1}, so windows may
     * overlap and need not tile the input. Returns the pooled values {@code [N, C, oH, oW]} (same fractional bits
     * as {@code x}) and the shared one-hot mask {@code [N, C, oH, oW, kH*kW]} (0/1, 0 fractional bits; window
     * position {@code i * kW + j}; the first maximum in row-major window order wins ties). Exact.
     *
     * <p>Cost: {@code ceil(log2(kH*kW))} levels, each one batched comparison of {@code N*C*oH*oW} times the
     * level's pair count elements and one multiplication round (16 rounds for 2x2 windows, 32 for 3x3, in the
     * additive suite).
     */
    public static SecureOps.MaxPoolResult maxPool2d(final SecureOps ops, final SecretTensor x, final int kH,
                                                    final int kW, final int sH, final int sW) {
        final int[] s = x.shape();
        final WindowGeometry g = WindowGeometry.pooling("maxPool2d", s, kH, kW, sH, sW);
        final int oH = g.outH();
        final int oW = g.outW();
        final int windows = Math.toIntExact(g.windows());
        final int positions = g.windowSize();
        if (windows == 0) {
            return new SecureOps.MaxPoolResult(new SecretTensor(RingTensor.zeros(s[0], s[1], oH, oW), x.fracBits()),
                new SecretTensor(RingTensor.zeros(s[0], s[1], oH, oW, positions), 0));
        }
        // cand[i * kW + j][(plane * oH + oh) * oW + ow] = x[plane][oh * sH + i][ow * sW + j]: each party gathers the
        // windows of its own share on its backend.
        final RingTensor cand = RingTensor.zeros(positions, windows);
        ops.session().backend().windowGather(x.share(), g, WindowLayout.POSITION_ROWS, cand);
        try (SecretTensor candidates = new SecretTensor(cand, x.fracBits());
             Knockout k = knockout(ops, candidates, positions, windows, true)) {
            final SecretTensor values = Shares.copy(k.max(), x.fracBits(), s[0], s[1], oH, oW);
            try {
                final SecretTensor mask = Shares.transpose(k.mask(), positions, windows, 0,
                    s[0], s[1], oH, oW, positions);
                return new SecureOps.MaxPoolResult(values, mask);
            } catch (RuntimeException e) {
                values.close();
                throw e;
            }
        }
    }

    /**
     * The one-hot position (shared 0/1, 0 fractional bits, same shape as {@code a}) of the maximum along the last
     * axis of {@code a}; the first maximum wins ties. Exact. Cost: {@code ceil(log2 K)} levels of one batched
     * comparison and one multiplication round, for {@code K} the last dimension (32 rounds for K = 10 in the
     * additive suite).
     */
    public static SecretTensor argmax(final SecureOps ops, final SecretTensor a) {
        final int[] s = a.shape();
        if (s.length == 0 || s[s.length - 1] == 0) {
            throw new IllegalArgumentException("argmax needs a non-empty last axis, shape=" + Shapes.toString(s));
        }
        final int k = s[s.length - 1];
        final int rows = Math.toIntExact(a.numel() / k);
        if (rows == 0) {
            return new SecretTensor(RingTensor.zeros(s), 0);
        }
        try (SecretTensor columns = Shares.transpose(a, rows, k, a.fracBits(), k, rows);
             Knockout knockout = knockout(ops, columns, k, rows, true)) {
            return Shares.transpose(knockout.mask(), k, rows, 0, s);
        }
    }

    /**
     * The maximum along the last axis of {@code a} (the last axis removed from the shape), by the same knockout
     * without one-hot tracking: {@code ceil(log2 K)} levels of one ReLU call each.
     */
    static SecretTensor maxAlongLastAxis(final SecureOps ops, final SecretTensor a) {
        final int[] s = a.shape();
        final int k = s[s.length - 1];
        final int rows = Math.toIntExact(a.numel() / k);
        final int[] outShape = java.util.Arrays.copyOf(s, s.length - 1);
        try (SecretTensor columns = Shares.transpose(a, rows, k, a.fracBits(), k, rows);
             Knockout knockout = knockout(ops, columns, k, rows, false)) {
            return Shares.copy(knockout.max(), a.fracBits(), outShape);
        }
    }

    /** Winners {@code [M]} and, when tracked, one-hot rows {@code [P, M]} of a knockout; both owned. */
    record Knockout(SecretTensor max, SecretTensor mask) implements AutoCloseable {
        @Override
        public void close() {
            max.close();
            if (mask != null) {
                mask.close();
            }
        }
    }

    /**
     * The knockout over the rows of {@code candidates [P, M]} (see the class comment). Group {@code g} covers the
     * contiguous candidate rows {@code [start[g], start[g] + size[g])}; its winner is row {@code g} of
     * {@code values}. A group of one candidate has the public one-hot {@code [1]}, so its mask rows need no
     * multiplication: they become the comparison bit (or its complement) directly.
     */
    static Knockout knockout(final SecureOps ops, final SecretTensor candidates, final int p, final int m,
                             final boolean trackMask) {
        final int fv = candidates.fracBits();
        final int[] start = new int[p];
        final int[] size = new int[p];
        for (int i = 0; i < p; i++) {
            start[i] = i;
            size[i] = 1;
        }
        int groups = p;
        SecretTensor values = Shares.concat(0, candidates);
        SecretTensor mask = null;
        try {
            if (trackMask) {
                // Every row is overwritten before it is read (p >= 2) or replaced by the public one (p == 1).
                try (SecretTensor zero = ops.mulInteger(values, 0)) {
                    mask = p == 1 ? Shares.addScalar(ops, zero, 1) : Shares.concat(0, zero);
                }
            }
            while (groups > 1) {
                final int pairs = groups / 2;
                final SecretTensor[] left = new SecretTensor[pairs];
                final SecretTensor[] right = new SecretTensor[pairs];
                for (int q = 0; q < pairs; q++) {
                    left[q] = Shares.row(values, 2 * q, m, 0);
                    right[q] = Shares.row(values, 2 * q + 1, m, 0);
                }
                final SecretTensor next;
                if (!trackMask) {
                    // winners b + relu(a - b): one comparison call, no multiplication
                    try (SecretTensor a = Shares.concat(0, left);
                         SecretTensor b = Shares.concat(0, right);
                         SecretTensor diff = ops.sub(a, b);
                         SecretTensor excess = ops.relu(diff);
                         SecretTensor winners = ops.add(b, excess)) {
                        next = groups % 2 == 0 ? Shares.concat(0, winners)
                            : Shares.concat(0, winners, Shares.row(values, groups - 1, m, 0));
                    }
                    values.close();
                    values = next;
                    groups -= pairs;
                    continue;
                }
                try (SecretTensor a = Shares.concat(0, left);
                     SecretTensor b = Shares.concat(0, right);
                     SecretTensor diff = ops.sub(a, b);
                     SecretTensor ge = ops.reluDerivative(diff);
                     SecretTensor lt = trackMask ? Shares.not(ops, ge) : null) {
                    // One multiplication: [ge * diff | ge * rows of shared left masks | lt * rows of right masks].
                    int sharedRows = 0;
                    for (int q = 0; q < pairs && trackMask; q++) {
                        sharedRows += (size[2 * q] > 1 ? size[2 * q] : 0) + (size[2 * q + 1] > 1 ? size[2 * q + 1] : 0);
                    }
                    final long valueLen = (long) pairs * m;
                    try (SecretTensor lhs = new SecretTensor(RingTensor.zeros(
                            Math.toIntExact(valueLen + (long) sharedRows * m)), 0);
                         SecretTensor rhs = new SecretTensor(RingTensor.zeros(Math.toIntExact(lhs.numel())), 0)) {
                        Shares.copyInto(lhs, 0, ge);
                        Shares.copyInto(rhs, 0, diff);
                        long at = valueLen;
                        for (int q = 0; q < pairs && trackMask; q++) {
                            at = stageGroup(lhs, rhs, at, Shares.row(ge, q, m, 0), mask, start[2 * q], size[2 * q], m);
                            at = stageGroup(lhs, rhs, at, Shares.row(lt, q, m, 0), mask, start[2 * q + 1],
                                size[2 * q + 1], m);
                        }
                        try (SecretTensor prod = Shares.mulRaw(ops, lhs, rhs);
                             SecretTensor winners = ops.add(b, Shares.flat(prod, 0, valueLen, 0))) {
                            next = new SecretTensor(RingTensor.zeros(Math.toIntExact((long) (groups - pairs) * m)), 0);
                            try {
                                Shares.copyInto(next, 0, winners);
                                if (groups % 2 == 1) {
                                    Shares.copyInto(next, valueLen, Shares.row(values, groups - 1, m, 0));
                                }
                                at = valueLen;
                                for (int q = 0; q < pairs && trackMask; q++) {
                                    at = updateGroup(mask, prod, at, Shares.row(ge, q, m, 0), start[2 * q],
                                        size[2 * q], m);
                                    at = updateGroup(mask, prod, at, Shares.row(lt, q, m, 0), start[2 * q + 1],
                                        size[2 * q + 1], m);
                                }
                            } catch (RuntimeException e) {
                                next.close();
                                throw e;
                            }
                        }
                    }
                }
                values.close();
                values = next;
                for (int q = 0; q < pairs; q++) {
                    start[q] = start[2 * q];
                    size[q] = size[2 * q] + size[2 * q + 1];
                }
                if (groups % 2 == 1) {
                    start[pairs] = start[groups - 1];
                    size[pairs] = size[groups - 1];
                }
                groups -= pairs;
            }
            final Knockout result = new Knockout(Shares.relabelOwned(values, fv), mask);
            values = null;
            mask = null;
            return result;
        } finally {
            if (values != null) {
                values.close();
            }
            if (mask != null) {
                mask.close();
            }
        }
    }

    /** Stages a group's shared mask rows (and its bit once per row) into the level's multiplication operands. */
    private static long stageGroup(final SecretTensor lhs, final SecretTensor rhs, final long at,
                                   final SecretTensor bit, final SecretTensor mask, final int start, final int size,
                                   final int m) {
        if (size == 1) {
            return at;
        }
        long pos = at;
        for (int r = start; r < start + size; r++) {
            Shares.copyInto(lhs, pos, bit);
            Shares.copyInto(rhs, pos, Shares.row(mask, r, m, 0));
            pos += m;
        }
        return pos;
    }

    /** Writes a group's new mask rows: the products, or the bit itself for a single candidate (public one-hot). */
    private static long updateGroup(final SecretTensor mask, final SecretTensor prod, final long at,
                                    final SecretTensor bit, final int start, final int size, final int m) {
        if (size == 1) {
            Shares.copyInto(mask, (long) start * m, bit);
            return at;
        }
        Shares.copyInto(mask, (long) start * m, Shares.flat(prod, at, at + (long) size * m, 0));
        return at + (long) size * m;
    }

    private static void requireSameScale(final SecretTensor a, final SecretTensor b, final String op) {
        if (a.fracBits() != b.fracBits()) {
            throw new IllegalArgumentException(op + " needs equal scales, a.fracBits=" + a.fracBits()
                + ", b.fracBits=" + b.fracBits());
        }
    }
}
