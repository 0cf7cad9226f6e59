package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.FixedPoint;
import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClippedSumTest {
    private final FixedPoint fp = FixedPoint.defaultEncoding();

    /**
     * After clipping and rounding, the integers added for one vector have L2 norm at most {@code C 2^f} exactly,
     * whatever the vector: the sensitivity the noise is scaled to holds for what is summed. Checked on long random
     * vectors and on constant vectors across a fine range of clip norms (constant coordinates all round the same way,
     * the worst case for the rounding margin).
     */
    @Test
    void shouldNeverLetARoundedVectorExceedTheClipNorm() {
        final SplittableRandom r = new SplittableRandom(1);
        for (int trial = 0; trial < 200; trial++) {
            final int length = 1 + r.nextInt(3000);
            final double clip = 0.05 + 3 * r.nextDouble();
            final float[] v = new float[length];
            final boolean constant = trial % 2 == 0;
            final float c = (float) (r.nextDouble() * 10);
            for (int i = 0; i < length; i++) {
                v[i] = constant ? c : (float) (r.nextGaussian() * r.nextDouble() * 5);
            }
            final ClippedSum sum = new ClippedSum(length, clip, fp);
            sum.add(v, 0);
            // (C 2^f)^2 exactly: C is a double, so C 2^f is an exact binary fraction.
            final BigDecimal bound = new BigDecimal(Math.scalb(clip, fp.fracBits())).pow(2);
            BigDecimal norm2 = BigDecimal.ZERO;
            for (final long x : sum.sum()) {
                norm2 = norm2.add(BigDecimal.valueOf(x).pow(2));
            }
            assertTrue(norm2.compareTo(bound) <= 0, "trial " + trial + ": norm^2=" + norm2 + " > " + bound);
        }
    }

    @Test
    void shouldAddShortVectorsUnchangedAndCountTheClippedOnes() {
        final ClippedSum sum = new ClippedSum(3, 1.0, fp);
        final float[] values = {0.25f, -0.5f, 0.125f, 3f, 4f, 0f};
        assertEquals(Math.sqrt(0.25 * 0.25 + 0.25 + 0.125 * 0.125), sum.add(values, 0), 1e-12);
        assertArrayEquals(new long[] {16384, -32768, 8192}, sum.sum());
        assertEquals(5.0, sum.add(values, 3), 1e-12);
        assertEquals(2, sum.count());
        assertEquals(1, sum.clipped());
        final double c = sum.effectiveClipNorm();
        assertEquals(16384 + Math.rint(0x1p16 * 3 * c / 5), sum.sum()[0]);
        assertEquals(-32768 + Math.rint(0x1p16 * 4 * c / 5), sum.sum()[1]);
        sum.reset();
        assertArrayEquals(new long[3], sum.sum());
        assertEquals(0, sum.count());
        assertTrue(sum.toString().startsWith("ClippedSum[length=3"));
    }

    @Test
    void shouldRefuseNonFiniteGradientsAndLoseNothing() {
        final ClippedSum sum = new ClippedSum(2, 1.0, fp);
        sum.add(new float[] {0.5f, 0.5f}, 0);
        final long[] before = sum.sum().clone();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> sum.add(new float[] {Float.NaN, 1f}, 0));
        assertTrue(e.getMessage().startsWith("a gradient value is not finite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sum.add(new float[] {Float.POSITIVE_INFINITY, 1f}, 0));
        assertArrayEquals(before, sum.sum());
        assertEquals(1, sum.count());
    }

    @Test
    void shouldRejectClipNormsTheGridCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> new ClippedSum(4, 0, fp));
        assertThrows(IllegalArgumentException.class, () -> new ClippedSum(4, Double.NaN, fp));
        assertThrows(IllegalArgumentException.class, () -> new ClippedSum(0, 1, fp));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new ClippedSum(1_000_000, 0.01, fp));
        assertTrue(e.getMessage().startsWith("clip norm too small for the fixed-point grid"), e.getMessage());
        assertEquals(1.0 - Math.sqrt(33_542) / 0x1p17, new ClippedSum(33_542, 1.0, fp).effectiveClipNorm(), 1e-10);
    }
}
