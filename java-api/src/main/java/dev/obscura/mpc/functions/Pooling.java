package dev.obscura.mpc.functions;

import dev.obscura.backend.WindowGeometry;
import dev.obscura.backend.WindowLayout;
import dev.obscura.mpc.Scope;
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
        try (Scope s = ops.scope()) {
            return s.keep(ops.add(b, ops.relu(ops.sub(a, b))));
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
            return new SecureOps.MaxPoolResult(ops.adopt(RingTensor.zeros(s[0], s[1], oH, oW), x.fracBits()),
                ops.adopt(RingTensor.zeros(s[0], s[1], oH, oW, positions), 0));
        }
        // cand[i * kW + j][(plane * oH + oh) * oW + ow] = x[plane][oh * sH + i][ow * sW + j]: each party gathers the
        // windows of its own share on its backend.
        try (Scope scope = ops.scope()) {
            final SecretTensor candidates = ops.adopt(RingTensor.zeros(positions, windows), x.fracBits());
            ops.session().backend().windowGather(x.share(), g, WindowLayout.POSITION_ROWS, candidates.share());
            final Knockout k = knockout(ops, candidates, positions, windows, true);
            return new SecureOps.MaxPoolResult(
                scope.keep(Shares.copy(ops, k.max(), x.fracBits(), s[0], s[1], oH, oW)),
                scope.keep(Shares.transpose(ops, k.mask(), positions, windows, 0, s[0], s[1], oH, oW, positions)));
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
            return ops.adopt(RingTensor.zeros(s), 0);
        }
        try (Scope scope = ops.scope()) {
            final SecretTensor columns = Shares.transpose(ops, a, rows, k, a.fracBits(), k, rows);
            return scope.keep(Shares.transpose(ops, knockout(ops, columns, k, rows, true).mask(), k, rows, 0, s));
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
        try (Scope scope = ops.scope()) {
            final SecretTensor columns = Shares.transpose(ops, a, rows, k, a.fracBits(), k, rows);
            return scope.keep(Shares.copy(ops, knockout(ops, columns, k, rows, false).max(), a.fracBits(), outShape));
        }
    }

    /** Winners {@code [M]} (raw, labelled 0) and, when tracked, one-hot rows {@code [P, M]} of a knockout. */
    record Knockout(SecretTensor max, SecretTensor mask) {
    }

    /**
     * The knockout over the rows of {@code candidates [P, M]} (see the class comment). Group {@code g} covers the
     * contiguous candidate rows {@code [start[g], start[g] + size[g])}; its winner is row {@code g} of
     * {@code values}. A group of one candidate has the public one-hot {@code [1]}, so its mask rows need no
     * multiplication: they become the comparison bit (or its complement) directly. Each level runs in its own
     * scope, which owns the level's candidates and temporaries and keeps its winners.
     */
    static Knockout knockout(final SecureOps ops, final SecretTensor candidates, final int p, final int m,
                             final boolean trackMask) {
        final int[] start = new int[p];
        final int[] size = new int[p];
        for (int i = 0; i < p; i++) {
            start[i] = i;
            size[i] = 1;
        }
        try (Scope s = ops.scope()) {
            SecretTensor values = Shares.concat(ops, 0, candidates);
            // Every mask row is overwritten before it is read (p >= 2) or replaced by the public one (p == 1).
            final SecretTensor zero = trackMask ? ops.mulInteger(values, 0) : null;
            final SecretTensor mask = !trackMask ? null : p == 1 ? Shares.addScalar(ops, zero, 1) : zero;
            int groups = p;
            while (groups > 1) {
                final int pairs = groups / 2;
                try (Scope level = ops.scope()) {
                    level.own(values);
                    final SecretTensor[] left = new SecretTensor[pairs];
                    final SecretTensor[] right = new SecretTensor[pairs];
                    for (int q = 0; q < pairs; q++) {
                        left[q] = Shares.row(values, 2 * q, m, 0);
                        right[q] = Shares.row(values, 2 * q + 1, m, 0);
                    }
                    final SecretTensor b = Shares.concat(ops, 0, right);
                    final SecretTensor diff = ops.sub(Shares.concat(ops, 0, left), b);
                    // winners b + relu(a - b): one comparison call, no multiplication; or, tracking the one-hot
                    // position, b + [a >= b] (a - b) with the mask updates in the same multiplication
                    final SecretTensor winners = trackMask ? selectTracked(ops, b, diff, mask, start, size, pairs, m)
                        : ops.add(b, ops.relu(diff));
                    values = level.keep(groups % 2 == 0 ? winners
                        : Shares.concat(ops, 0, winners, Shares.row(values, groups - 1, m, 0)));
                }
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
            return new Knockout(s.keep(values), mask == null ? null : s.keep(mask));
        }
    }

    /**
     * One level with the one-hot tracking: the bits {@code ge = [a - b >= 0]} in one comparison call, then ONE
     * multiplication {@code [ge * diff | ge * rows of shared left masks | lt * rows of right masks]} that gives the
     * winners {@code b + ge (a - b)} and the groups' new mask rows (written into {@code mask}).
     */
    private static SecretTensor selectTracked(final SecureOps ops, final SecretTensor b, final SecretTensor diff,
                                              final SecretTensor mask, final int[] start, final int[] size,
                                              final int pairs, final int m) {
        final SecretTensor ge = ops.reluDerivative(diff);
        final SecretTensor lt = Shares.not(ops, ge);
        int sharedRows = 0;
        for (int q = 0; q < pairs; q++) {
            sharedRows += (size[2 * q] > 1 ? size[2 * q] : 0) + (size[2 * q + 1] > 1 ? size[2 * q + 1] : 0);
        }
        final long valueLen = (long) pairs * m;
        final SecretTensor lhs = Shares.zeros(ops, 0, valueLen + (long) sharedRows * m);
        final SecretTensor rhs = Shares.zeros(ops, 0, lhs.numel());
        Shares.copyInto(lhs, 0, ge);
        Shares.copyInto(rhs, 0, diff);
        long at = valueLen;
        for (int q = 0; q < pairs; q++) {
            at = stageGroup(lhs, rhs, at, Shares.row(ge, q, m, 0), mask, start[2 * q], size[2 * q], m);
            at = stageGroup(lhs, rhs, at, Shares.row(lt, q, m, 0), mask, start[2 * q + 1], size[2 * q + 1], m);
        }
        final SecretTensor prod = Shares.mulRaw(ops, lhs, rhs);
        at = valueLen;
        for (int q = 0; q < pairs; q++) {
            at = updateGroup(mask, prod, at, Shares.row(ge, q, m, 0), start[2 * q], size[2 * q], m);
            at = updateGroup(mask, prod, at, Shares.row(lt, q, m, 0), start[2 * q + 1], size[2 * q + 1], m);
        }
        return ops.add(b, Shares.flat(prod, 0, valueLen, 0));
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
