package dev.obscura.protocols.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Element-wise comparison of secure results with plaintext ones within an absolute bound, for the nn tests. */
final class CloseAssertions {
    private CloseAssertions() {
    }

    /** Asserts {@code |expected[i] - actual[i]| <= tolerance} for every {@code i}, naming the first that is not. */
    static void assertClose(final double[] expected, final double[] actual, final double tolerance,
                            final String what) {
        assertNotNull(actual, what);
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            final double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= tolerance, what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]
                + ", error " + err + " > " + tolerance);
        }
    }

    /** {@link #assertClose(double[], double[], double, String)} for {@code float} results. */
    static void assertClose(final float[] expected, final float[] actual, final double tolerance,
                            final String what) {
        assertNotNull(actual, what);
        assertClose(widen(expected), widen(actual), tolerance, what);
    }

    private static double[] widen(final float[] values) {
        final double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
