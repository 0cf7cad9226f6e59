package dev.obscura.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FixedPointTest {
    private static final long SEED = Long.getLong("obscura.test.seed", 0x0B5C_0BAL);
    private final FixedPoint fp = FixedPoint.defaultEncoding();

    @Test
    void shouldEncodeZeroOneAndSingleUlps() {
        assertEquals(16, fp.fracBits());
        assertEquals(65536L, fp.one());
        assertEquals(0x1p-16, fp.ulp());
        assertEquals(0L, fp.encode(0.0));
        assertEquals(0L, fp.encode(-0.0));
        assertEquals(1L, fp.encode(fp.ulp()));
        assertEquals(-1L, fp.encode(-fp.ulp()));
        assertEquals(65536L, fp.encode(1.0));
        assertEquals(-98304L, fp.encode(-1.5));
        assertEquals(0L, fp.encode(Double.MIN_VALUE), "far below half an ulp");
    }

    @Test
    void shouldEncodeTheLargestMagnitudesAndRejectTheNextDoubleUp() {
        for (final int f : new int[] {0, 1, 16, FixedPoint.MAX_FRAC_BITS}) {
            final FixedPoint p = new FixedPoint(f);
            final double max = p.maxMagnitude();
            assertEquals(Math.scalb(1.0, FixedPoint.RANGE_BITS - f), Math.nextUp(max), "f=" + f);
            // The largest double below 2^(62 - f), scaled by 2^f, is the largest double below 2^62: 2^62 - 2^9.
            assertEquals((1L << 62) - 512, p.encode(max), "f=" + f);
            assertEquals(-(1L << 62) + 512, p.encode(-max), "f=" + f);
            assertTrue(p.encodable(max) && p.encodable(-max), "f=" + f);
            assertFalse(p.encodable(Math.nextUp(max)) || p.encodable(-Math.nextUp(max)), "f=" + f);
            assertThrows(FixedPointRangeException.class, () -> p.encode(Math.nextUp(max)), "f=" + f);
            assertThrows(FixedPointRangeException.class, () -> p.encode(-Math.nextUp(max)), "f=" + f);
        }
    }

    @Test
    void shouldRoundHalvesToEven() {
        final double ulp = fp.ulp();
        assertEquals(0L, fp.encode(0.5 * ulp));
        assertEquals(0L, fp.encode(-0.5 * ulp));
        assertEquals(2L, fp.encode(1.5 * ulp));
        assertEquals(-2L, fp.encode(-1.5 * ulp));
        assertEquals(2L, fp.encode(2.5 * ulp));
        assertEquals(-2L, fp.encode(-2.5 * ulp));
        assertEquals(4L, fp.encode(3.5 * ulp));
        assertEquals(1L, fp.encode(Math.nextUp(0.5 * ulp)), "just above half rounds up");
        assertEquals(0L, fp.encode(Math.nextDown(0.5 * ulp)), "just below half rounds down");
        assertEquals(-1L, fp.encode(Math.nextDown(-0.5 * ulp)));
    }

    @Test
    void shouldRejectNanInfinityAndOutOfRangeNamingIndexAndRangeButNotTheValue() {
        final double big = 123456789012345.0; // above 2^46, the limit for f = 16
        final FixedPointRangeException range =
            assertThrows(FixedPointRangeException.class, () -> FixedPoint.encode(big, 7L, 16));
        assertEquals(7L, range.index());
        final String message = range.getMessage();
        assertTrue(message.contains("index 7"), message);
        assertTrue(message.contains("2^46"), message);
        assertTrue(message.contains("fracBits=16"), message);
        for (final String leak : new String[] {"123456789012345", "1.23456789012345E14", "1.2345", "12345"}) {
            assertFalse(message.contains(leak), message);
        }
        assertTrue(assertThrows(FixedPointRangeException.class, () -> FixedPoint.encode(Double.NaN, 3L, 16))
            .getMessage().contains("NaN"));
        assertTrue(assertThrows(FixedPointRangeException.class,
            () -> FixedPoint.encode(Double.NEGATIVE_INFINITY, 3L, 16)).getMessage().contains("infinite"));
        final FixedPointRangeException negative =
            assertThrows(FixedPointRangeException.class, () -> FixedPoint.encode(-0x1p46, 0L, 16));
        assertFalse(negative.getMessage().contains("7.03687441776E13"), negative.getMessage());
        assertEquals(0L, assertThrows(FixedPointRangeException.class, () -> fp.encode(1e300)).index());
        // It is an IllegalArgumentException, so callers that validate inputs catch it with the rest.
        assertTrue(IllegalArgumentException.class.isInstance(negative));
    }

    @Test
    void shouldRoundTripThroughDecode() {
        final SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 10_000; i++) {
            // Multiples of the ulp are exact.
            final double exact = Math.scalb((double) random.nextLong(-(1L << 52), 1L << 52), -16);
            assertEquals(exact, fp.decode(fp.encode(exact)), "seed=" + SEED);
            // Anything else lands within half an ulp.
            final double x = random.nextDouble(-1e6, 1e6);
            assertTrue(Math.abs(fp.decode(fp.encode(x)) - x) <= 0.5 * fp.ulp(), "seed=" + SEED);
        }
        assertEquals(-1.0, fp.decode(-65536L));
        assertEquals(Math.scalb((double) Long.MIN_VALUE, -16), fp.decode(Long.MIN_VALUE), "read as signed");
    }

    @Test
    void shouldRejectFracBitsOutsideItsRange() {
        assertThrows(IllegalArgumentException.class, () -> new FixedPoint(-1));
        assertThrows(IllegalArgumentException.class, () -> new FixedPoint(41));
        assertEquals("FixedPoint[fracBits=30]", new FixedPoint(30).toString());
    }

    /** Issue 10: f up to 40 was accepted, and 1.0 * 1.0 came out 0 at f = 40. */
    @Test
    void shouldRefuseEveryFracBitsForWhichOneTimesOneLeavesTheTruncationRange() {
        assertEquals(30, FixedPoint.MAX_FRAC_BITS);
        for (int f = FixedPoint.MAX_FRAC_BITS + 1; f <= 64; f++) {
            final int bits = f;
            final FixedPointRangeException e =
                assertThrows(FixedPointRangeException.class, () -> new FixedPoint(bits), "f=" + f);
            assertTrue(e.getMessage().startsWith("fixed-point range error: fracBits must be in [0, 30], fracBits="
                + f + ";"), e.getMessage());
            assertTrue(e.getMessage().contains("1.0 * 1.0 is 2^(2f)"), e.getMessage());
            assertEquals(-1L, e.index());
        }
        // At every accepted f, 1.0 * 1.0 = 2^(2f) is below 2^62, the truncation's exact range: 1.0 * 1.0 is exact.
        for (int f = 0; f <= FixedPoint.MAX_FRAC_BITS; f++) {
            final FixedPoint p = new FixedPoint(f);
            final long one = p.one();
            assertTrue(Math.abs((double) (one * one)) < 0x1p62, "f=" + f);
            assertEquals(1.0, p.decode((one * one) >> f), "f=" + f);
            assertTrue(p.maxProductMagnitude() >= 1.0, "f=" + f);
        }
        // The first refused f is exactly where 2^(2f) reaches 2^62.
        assertEquals(1L << 62, (1L << (FixedPoint.MAX_FRAC_BITS + 1)) * (1L << (FixedPoint.MAX_FRAC_BITS + 1)));
    }

    @Test
    void shouldCheckAProductBoundAgainstTheProductRangeNamingTheOperation() {
        assertEquals(Math.nextDown(0x1p30), fp.maxProductMagnitude(), "2^(62 - 32) at f = 16");
        fp.requireProductRange("mul", 1e9);
        fp.requireProductRange("mul", -1e9);
        fp.requireProductRange("mul", Math.nextDown(0x1p30));
        final FixedPointRangeException e =
            assertThrows(FixedPointRangeException.class, () -> fp.requireProductRange("matmul with K=256", 0x1p30));
        assertTrue(e.getMessage().startsWith("fixed-point range error: matmul with K=256 can reach"), e.getMessage());
        assertTrue(e.getMessage().contains("fracBits=16"), e.getMessage());
        assertTrue(e.getMessage().contains("2^(62 - 2*16) = 1.073741824E9"), e.getMessage());
        assertThrows(FixedPointRangeException.class, () -> fp.requireProductRange("mul", 1e10));
        assertThrows(FixedPointRangeException.class, () -> fp.requireProductRange("mul", Double.NaN));
        final FixedPoint f30 = new FixedPoint(30);
        f30.requireProductRange("matmul with K=3", 3);
        assertThrows(FixedPointRangeException.class, () -> f30.requireProductRange("matmul with K=4", 4));
    }
}
