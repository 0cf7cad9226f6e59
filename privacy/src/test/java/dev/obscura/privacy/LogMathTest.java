package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogMathTest {

    /**
     * {@code log(erfc(x))} against mpmath 1.3.0 at 40 digits, across both branches (Taylor below 1, the continued
     * fraction from 1), negative arguments, and arguments where {@code erfc} itself underflows a double.
     */
    @Test
    void shouldComputeLogErfcToNearDoublePrecision() {
        final double[][] reference = {
            {-30.0, 0.69314718055994530942},
            {-3.0, 0.69313613525044681032},
            {-0.7, 0.51748412297910574694},
            {0.0, 0.0},
            {1e-08, -1.1283791734617103315e-8},
            {0.3, -0.3984300514400852726},
            {0.99, -1.823300103854901833},
            {1.0, -1.8496055099332482486},
            {1.7, -4.1221552342439039137},
            {2.5, -7.8068152727272643589},
            {5.0, -27.200889545537434422},
            {12.0, -147.06071417798700949},
            {27.5, -760.13721101534819463},
            {40.0, -1604.2615566532735557},
            {300.0, -90006.276152973059298},
            {100000.0, -10000000012.085290408},
        };
        for (final double[] r : reference) {
            assertEquals(r[1], LogMath.logErfc(r[0]), 1e-14 * Math.max(1e-300, Math.abs(r[1])), "x=" + r[0]);
        }
    }

    @Test
    void shouldAddAndSubtractInLogSpace() {
        assertEquals(Math.log(5), LogMath.logAdd(Math.log(2), Math.log(3)), 1e-15);
        assertEquals(Math.log(3), LogMath.logAdd(Double.NEGATIVE_INFINITY, Math.log(3)), 0);
        assertEquals(1000 + Math.log1p(Math.exp(-1)), LogMath.logAdd(1000, 999), 1e-12);
        assertEquals(Math.log(1), LogMath.logSubMagnitude(Math.log(2), Math.log(3)), 1e-15);
        assertTrue(LogMath.logSubIsNegative(Math.log(2), Math.log(3)));
        assertEquals(Double.NEGATIVE_INFINITY, LogMath.logSubMagnitude(7, 7));
    }
}
