package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.Bilinear;
import dev.obscura.mpc.RingMap;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExactRange}, the arithmetic of checked mode's plaintext twin, against an independent reference: the exact
 * integer value of every map from {@link PlaintextReference}'s term lists in {@link BigInteger}. Every bilinear map
 * of the engine (elementwise, matrix product in every layout, convolution and its two gradients with stride and
 * padding) on every available backend, with operand magnitudes drawn around the 2^62 bound (so the fast bound, the
 * limbs and the {@code BigInteger} fallback all decide some elements), plus the boundary itself: 2^62 - 1 passes and
 * 2^62 does not, from both sides, through products, sums that cancel, and sums that wrap the ring back into range.
 */
final class ExactRangeTest {
    private static final long LIMIT = 1L << 62;
    private static final SecureRandom SEEDS = new SecureRandom();

    private record Case(String name, Bilinear op, PlaintextReference.Terms terms) {
    }

    private static Case[] cases() {
        final int[] in = {2, 3, 6, 5};
        final int[] w = {4, 3, 3, 2};
        final Conv2dSpec padded = Conv2dSpec.of(1, 1);
        final Conv2dSpec strided = new Conv2dSpec(2, 1, 0, 1);
        return new Case[] {
            new Case("mul", Bilinear.mul(3, 5), PlaintextReference.broadcastMul(new int[] {3, 5}, new int[] {3, 5})),
            new Case("matmul", Bilinear.matmul(new int[] {4, 6}, new int[] {6, 3}, false, false),
                PlaintextReference.matmul(new int[] {4, 6}, new int[] {6, 3}, false, false)),
            new Case("matmul^T", Bilinear.matmul(new int[] {6, 4}, new int[] {3, 6}, true, true),
                PlaintextReference.matmul(new int[] {6, 4}, new int[] {3, 6}, true, true)),
            new Case("batched matmul", Bilinear.matmul(new int[] {2, 3, 5}, new int[] {5, 2}, false, false),
                PlaintextReference.matmul(new int[] {2, 3, 5}, new int[] {5, 2}, false, false)),
            new Case("conv2d", Bilinear.conv2d(in, w, padded), PlaintextReference.conv2d(in, w, padded)),
            new Case("strided conv2d", Bilinear.conv2d(in, w, strided), PlaintextReference.conv2d(in, w, strided)),
            new Case("conv2dBackwardInput", Bilinear.conv2dBackwardInput(
                PlaintextReference.convOutShape(in, w, strided), w, strided, in),
                PlaintextReference.conv2dBackwardInput(in, w, strided)),
            new Case("conv2dBackwardWeight", Bilinear.conv2dBackwardWeight(in,
                PlaintextReference.convOutShape(in, w, padded), padded, w),
                PlaintextReference.conv2dBackwardWeight(in, w, padded)),
        };
    }

    @Test
    void shouldDecideEveryBilinearMapExactlyOnEveryBackend() {
        final long seed = SEEDS.nextLong();
        final SplittableRandom random = new SplittableRandom(seed);
        int inside = 0;
        int outside = 0;
        for (final String name : Backends.availableNames()) {
            final Backend be = Backends.byName(name);
            for (final Case c : cases()) {
                for (int trial = 0; trial < 40; trial++) {
                    // Exponents around the bound: the sum of products lands from 2^50 to 2^70, sometimes cancelling.
                    final int ex = 20 + random.nextInt(43);
                    final int ey = Math.max(0, Math.min(62, 58 - ex + random.nextInt(12)));
                    final long[] x = values(random, (int) Shapes.numel(c.op().shapeX()), ex, trial % 5 == 0);
                    final long[] y = values(random, (int) Shapes.numel(c.op().shapeY()), ey, false);
                    final boolean expected = exactlyInRange(c.terms(), x, y);
                    assertEquals(expected, decide(be, c.op(), x, y),
                        c.name() + " on " + name + ", trial " + trial + ", seed " + seed);
                    if (expected) {
                        inside++;
                    } else {
                        outside++;
                    }
                }
            }
        }
        assertTrue(inside > 20 && outside > 20, "both outcomes drawn, inside=" + inside + ", outside=" + outside);
    }

    @Test
    void shouldPassTwoToTheSixtyTwoMinusOneAndRefuseTwoToTheSixtyTwo() {
        final Backend be = Backends.byName("java");
        final long big = 1L << 31;
        // products
        assertTrue(product(be, new long[] {big - 1}, new long[] {big - 1}));
        assertFalse(product(be, new long[] {big}, new long[] {big}));
        assertFalse(product(be, new long[] {-big}, new long[] {big}));
        assertFalse(product(be, new long[] {1L << 40}, new long[] {1L << 40}), "a product that wraps to 0");
        // sums of products at the boundary, from both sides
        assertTrue(dot(be, new long[] {big, 1}, new long[] {big - 1, big - 1}), "2^62 - 1");
        assertFalse(dot(be, new long[] {big, 1}, new long[] {big - 1, big}), "2^62");
        assertTrue(dot(be, new long[] {-big, -1}, new long[] {big - 1, big - 1}), "-(2^62 - 1)");
        assertFalse(dot(be, new long[] {-big, -1}, new long[] {big - 1, big}), "-2^62");
        // partial sums beyond the bound, final sum in range; and products of 2^124 that cancel (BigInteger path)
        assertTrue(dot(be, new long[] {big, big, -big, -big}, new long[] {big, big, big, big}));
        assertTrue(dot(be, new long[] {LIMIT, -LIMIT}, new long[] {LIMIT, LIMIT}));
        assertFalse(dot(be, new long[] {LIMIT, -LIMIT + 1}, new long[] {LIMIT, LIMIT}), "2^124 - 2^124 + 2^62");
        assertTrue(dot(be, new long[] {LIMIT, -LIMIT + 1}, new long[] {LIMIT - 1, LIMIT}), "-1 + ... in range");
    }

    @Test
    void shouldSeeALinearMapWrapTheRingEvenWhenItsRingResultLooksSmall() {
        final Backend be = Backends.byName("java");
        assertTrue(linear(be, RingMap.sum(), LIMIT - 1, 0));
        assertFalse(linear(be, RingMap.sum(), LIMIT - 1, 1));
        assertFalse(linear(be, RingMap.sum(), Long.MAX_VALUE, Long.MAX_VALUE), "wraps to -2");
        assertFalse(linear(be, RingMap.sum(), Long.MIN_VALUE, Long.MIN_VALUE), "wraps to 0");
        assertTrue(linear(be, RingMap.difference(), -LIMIT + 1, 0));
        assertFalse(linear(be, RingMap.difference(), -LIMIT + 1, 1));
        assertFalse(linear(be, RingMap.negation(), Long.MIN_VALUE, 0), "-(-2^63) wraps to itself");
        // a sum over an axis whose partial sums wrap the ring twice: 2^63 - 1 + 2^63 - 1 + 2 = 2^64, ring 0
        try (RingTensor x = RingTensor.of(new long[] {Long.MAX_VALUE, Long.MAX_VALUE, 2}, 1, 3);
             RingTensor ring = RingTensor.zeros(1)) {
            final RingMap map = RingMap.sumOver(1, 3);
            map.kernel().apply(be, new RingTensor[] {x}, ring);
            assertEquals(0, ring.get(0));
            assertFalse(ExactRange.inRange(be, map, new RingTensor[] {x}, ring));
        }
    }

    @Test
    void shouldDecideLinearMapsExactlyOnRandomValues() {
        final long seed = SEEDS.nextLong();
        final SplittableRandom random = new SplittableRandom(seed);
        final Backend be = Backends.byName("java");
        for (int trial = 0; trial < 200; trial++) {
            final int e = 55 + random.nextInt(9);
            final long[] x = values(random, 12, e, false);
            try (RingTensor t = RingTensor.of(x, 3, 4); RingTensor ring = RingTensor.zeros(3)) {
                final RingMap map = RingMap.sumOver(1, 4);
                map.kernel().apply(be, new RingTensor[] {t}, ring);
                boolean expected = true;
                for (int r = 0; r < 3; r++) {
                    BigInteger s = BigInteger.ZERO;
                    for (int c = 0; c < 4; c++) {
                        s = s.add(BigInteger.valueOf(x[r * 4 + c]));
                    }
                    expected &= s.abs().bitLength() <= 62;
                }
                assertEquals(expected, ExactRange.inRange(be, map, new RingTensor[] {t}, ring),
                    "trial " + trial + ", seed " + seed);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** {@code n} values uniform in {@code (-2^e, 2^e)}; with {@code cancel}, in pairs of opposite signs. */
    private static long[] values(final SplittableRandom random, final int n, final int e, final boolean cancel) {
        final long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            final long magnitude = e >= 63 ? random.nextLong() >>> 1 : random.nextLong(1L << e);
            v[i] = cancel && i % 2 == 1 ? -v[i - 1] : random.nextBoolean() ? magnitude : -magnitude;
        }
        return v;
    }

    private static boolean exactlyInRange(final PlaintextReference.Terms terms, final long[] x, final long[] y) {
        final BigInteger[] z = new BigInteger[terms.zSize()];
        java.util.Arrays.fill(z, BigInteger.ZERO);
        terms.forEach((zi, xi, yi) -> z[zi] = z[zi].add(BigInteger.valueOf(x[xi]).multiply(BigInteger.valueOf(y[yi]))));
        for (final BigInteger v : z) {
            if (v.abs().bitLength() > 62) {
                return false;
            }
        }
        return true;
    }

    private static boolean decide(final Backend be, final Bilinear op, final long[] x, final long[] y) {
        try (RingTensor tx = RingTensor.of(x, op.shapeX()); RingTensor ty = RingTensor.of(y, op.shapeY());
             RingTensor ring = RingTensor.zeros(op.shapeZ())) {
            final RingMap map = RingMap.of(op);
            final RingTensor[] in = {tx, ty};
            map.kernel().apply(be, in, ring);
            return ExactRange.inRange(be, map, in, ring);
        }
    }

    private static boolean product(final Backend be, final long[] x, final long[] y) {
        return decide(be, Bilinear.mul(x.length), x, y);
    }

    private static boolean dot(final Backend be, final long[] x, final long[] y) {
        return decide(be, Bilinear.matmul(new int[] {1, x.length}, new int[] {y.length, 1}, false, false), x, y);
    }

    private static boolean linear(final Backend be, final RingMap map, final long x, final long y) {
        try (RingTensor tx = RingTensor.of(new long[] {x}, 1); RingTensor ty = RingTensor.of(new long[] {y}, 1);
             RingTensor ring = RingTensor.zeros(1)) {
            final RingTensor[] in = map.degree() == 1 && map.terms() == 1 ? new RingTensor[] {tx}
                : new RingTensor[] {tx, ty};
            map.kernel().apply(be, in, ring);
            return ExactRange.inRange(be, map, in, ring);
        }
    }
}
