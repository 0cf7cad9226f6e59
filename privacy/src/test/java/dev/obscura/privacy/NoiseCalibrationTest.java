package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NoiseCalibrationTest {

    /**
     * Opacus, {@code opacus/tests/accountants_test.py}: {@code get_noise_multiplier(target_epsilon=8,
     * target_delta=1e-5, sample_rate=0.04, epochs=90)} = 1.416 and with {@code steps=2000} = 1.3562 (4 places). Opacus
     * stops its bisection once ε is within 0.01 below the target, so its σ lies slightly above the smallest; ours,
     * bisected to a relative 1e-4, must be at most Opacus's (up to its published 4 places) and within 1% of it.
     */
    @Test
    void shouldReproduceOpacusNoiseMultipliers() {
        assertCalibrated(1.416, NoiseCalibration.noiseMultiplier(8, 1e-5, 0.04, 2250), 8, 0.04, 2250);
        assertCalibrated(1.3562, NoiseCalibration.noiseMultiplier(8, 1e-5, 0.04, 2000), 8, 0.04, 2000);
    }

    @Test
    void shouldFindTheSmallestSigmaWithinTheBudget() {
        final double q = 256 / 60_000.0;
        final long steps = 15 * 234;
        for (final double target : new double[] {1, 2, 8}) {
            final double sigma = NoiseCalibration.noiseMultiplier(target, 1e-5, q, steps);
            final RdpAccountant at = new RdpAccountant();
            at.steps(sigma, q, steps);
            assertTrue(at.epsilon(1e-5) <= target, "within the budget, target=" + target);
            final RdpAccountant below = new RdpAccountant();
            below.steps(sigma * (1 - 2 * NoiseCalibration.RELATIVE_TOLERANCE), q, steps);
            assertTrue(below.epsilon(1e-5) > target, "and no smaller sigma is, target=" + target);
        }
    }

    @Test
    void shouldRejectAnUnreachableBudgetWithAClearMessage() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NoiseCalibration.noiseMultiplier(1e-9, 1e-5, 1, 1_000_000));
        assertTrue(e.getMessage().startsWith("privacy budget unreachable"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(0, 1e-5, 0.1, 10));
        assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(1, 0, 0.1, 10));
        assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(1, 1e-5, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(1, 1e-5, 0.1, 0));
    }

    private static void assertCalibrated(final double opacus, final double ours, final double target,
                                         final double q, final long steps) {
        assertTrue(ours <= opacus + 0.00005, "ours=" + ours + ", opacus=" + opacus);
        assertEquals(opacus, ours, 0.01 * opacus);
        final RdpAccountant accountant = new RdpAccountant();
        accountant.steps(ours, q, steps);
        assertTrue(accountant.epsilon(1e-5) <= target);
    }
}
