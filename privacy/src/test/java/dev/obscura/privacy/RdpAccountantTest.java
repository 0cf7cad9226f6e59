package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The accountant against published figures. Each expected value is quoted from the named source; the tolerance is
 * half a unit in the last published digit (never more than 1% of the value), or a relative 1e-6 where the source
 * publishes full double precision.
 */
class RdpAccountantTest {
    /** TF Privacy's {@code compute_dp_sgd_privacy_lib} orders. */
    private static final double[] TF_ORDERS = tfOrders();
    private static final double MNIST = 60_000;

    /**
     * TensorFlow Privacy, {@code tutorials/README.md} (commit 047e1ee, 2019-01-18), "Expected Output" of
     * {@code mnist_dpsgd_tutorial.py}: σ = 1.1, batch 256 of 60,000, 234 steps per epoch (60000 // 256), δ = 1e-5,
     * orders 1.1..10.9 and 12..63, and the RDP conversion of the time (Mironov 2017, Proposition 3). Published:
     * "For delta=1e-5, the current epsilon is: 1.03" after epoch 1, 1.11 after epoch 2, 3.01 after epoch 60. Also
     * the report after every epoch, as the accountant is used in training.
     */
    @Test
    void shouldReproduceTheTensorFlowPrivacyTutorialEpsilonAfterEachEpoch() {
        final RdpAccountant accountant = new RdpAccountant(RdpAccountant.defaultOrders(), RdpConversion.MIRONOV_2017);
        final double q = 256 / MNIST;
        final double[] published = new double[61];
        published[1] = 1.03;
        published[2] = 1.11;
        published[60] = 3.01;
        double previous = 0;
        for (int epoch = 1; epoch <= 60; epoch++) {
            accountant.steps(1.1, q, 234);
            final double eps = accountant.epsilon(1e-5);
            assertTrue(eps > previous, "epsilon grows with every epoch, epoch=" + epoch);
            previous = eps;
            if (published[epoch] != 0) {
                assertPublished(published[epoch], 0.005, eps, "epoch " + epoch);
            }
        }
        assertEquals(60 * 234, accountant.steps());
    }

    /**
     * TensorFlow Privacy, {@code tutorials/README.md}, table "Select Parameters" (same settings as above): σ = 1.3
     * for 15 epochs gives ε = 1.19; σ = 0.7 for 45 epochs gives ε = 7.10. The README's CLI line
     * ({@code compute_dp_sgd_privacy.py --N=60000 --batch_size=256 --noise_multiplier=1.1 --epochs=60 --delta=1e-5},
     * ceil(60 * 60000 / 256) = 14063 steps, its orders 1.25..4.5, 5..63, 128, 256, 512) prints eps = 3.01.
     */
    @Test
    void shouldReproduceTheTensorFlowPrivacyTutorialTable() {
        final double q = 256 / MNIST;
        assertPublished(1.19, 0.005, classic(RdpAccountant.defaultOrders(), 1.3, q, 15 * 234), "sigma 1.3");
        assertPublished(7.10, 0.005, classic(RdpAccountant.defaultOrders(), 0.7, q, 45 * 234), "sigma 0.7");
        assertPublished(3.01, 0.005, classic(TF_ORDERS, 1.1, q, 14_063), "CLI");
    }

    /**
     * TensorFlow Privacy, {@code tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py},
     * {@code test_compute_dp_sgd_privacy}: (n = 60000, batch 150, σ = 1.3, 15 epochs, δ = 1e-5) gives
     * ε = 0.7242234026109595 at order 19; (n = 100000, batch 100, σ = 1.0, 30 epochs, δ = 1e-7) gives
     * ε = 1.4154988495444842 at order 13 (the conversion of Balle et al. 2020, since commit be8175b, 2020-12-30).
     * Before that commit the same test expected 0.941870567 and 1.70928734 (Mironov 2017).
     */
    @Test
    void shouldReproduceTensorFlowPrivacyComputeDpSgdPrivacyTest() {
        final RdpAccountant a = new RdpAccountant(TF_ORDERS, RdpConversion.BALLE_2020);
        a.steps(1.3, 150 / MNIST, 6_000);
        final PrivacySpent test0 = a.spent(1e-5);
        assertEquals(0.7242234026109595, test0.epsilon(), 1e-6 * 0.7242234026109595);
        assertEquals(19.0, test0.order());
        final RdpAccountant b = new RdpAccountant(TF_ORDERS, RdpConversion.BALLE_2020);
        b.steps(1.0, 100 / 100_000.0, 30_000);
        final PrivacySpent test1 = b.spent(1e-7);
        assertEquals(1.4154988495444842, test1.epsilon(), 1e-6 * 1.4154988495444842);
        assertEquals(13.0, test1.order());

        assertEquals(0.941870567, classic(TF_ORDERS, 1.3, 150 / MNIST, 6_000), 1e-6 * 0.941870567);
        final RdpAccountant c = new RdpAccountant(TF_ORDERS, RdpConversion.MIRONOV_2017);
        c.steps(1.0, 100 / 100_000.0, 30_000);
        assertEquals(1.70928734, c.epsilon(1e-7), 1e-6 * 1.70928734);
    }

    /**
     * Opacus, {@code opacus/tests/accountants_test.py}, {@code test_rdp_accountant}: σ = 1.5, q = 0.04,
     * int(90 / 0.04) = 2250 steps, δ = 1e-5, default orders, gives ε = 7.32911117143 ({@code assertAlmostEqual}, 7
     * places).
     */
    @Test
    void shouldReproduceOpacusAccountantTest() {
        final RdpAccountant accountant = new RdpAccountant();
        for (int i = 0; i < 2250; i++) {
            accountant.step(1.5, 0.04);
        }
        assertEquals(7.32911117143, accountant.epsilon(1e-5), 1e-7);
    }

    /**
     * Opacus, {@code opacus/accountants/analysis/rdp.py}, module docstring: mechanisms (q = 1e-5, σ = 1.0, 10 steps)
     * and (q = 1e-4, σ = 3.0, 4 steps), orders 2..32, δ = 1e-5: "(0.336, 23)".
     */
    @Test
    void shouldReproduceOpacusDocstringExample() {
        final double[] orders = new double[31];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = i + 2;
        }
        final RdpAccountant accountant = new RdpAccountant(orders, RdpConversion.BALLE_2020);
        accountant.steps(1.0, 1e-5, 10);
        accountant.steps(3.0, 1e-4, 4);
        final PrivacySpent spent = accountant.spent(1e-5);
        assertPublished(0.336, 0.0005, spent.epsilon(), "docstring");
        assertEquals(23.0, spent.order());
    }

    /**
     * TensorFlow Privacy, {@code rdp_accountant_test.py} (before its removal in commit 868cf54):
     * {@code compute_rdp(0.1, 2, 10, 5) = 0.07737} (5 places); {@code compute_rdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50,
     * 100, inf]) = [6.5007e-04, 1.0854e-03, 2.1808e-03, 2.3846e-02, 1.6742e+02, inf]} (rtol 1e-4): fractional and
     * integer orders, small and large.
     */
    @Test
    void shouldReproduceTensorFlowPrivacyRdpValues() {
        assertEquals(0.07737, SampledGaussianRdp.rdp(0.1, 2, 10, new double[] {5})[0], 0.000005);
        final double[] orders = {1.5, 2.5, 5, 50, 100, Double.POSITIVE_INFINITY};
        final double[] expected = {6.5007e-04, 1.0854e-03, 2.1808e-03, 2.3846e-02, 1.6742e+02,
            Double.POSITIVE_INFINITY};
        final double[] actual = SampledGaussianRdp.rdp(0.01, 2.5, 50, orders);
        for (int k = 0; k < orders.length - 1; k++) {
            assertEquals(expected[k], actual[k], 1e-4 * expected[k], "order " + orders[k]);
        }
        assertEquals(Double.POSITIVE_INFINITY, actual[orders.length - 1]);
    }

    /**
     * {@code log A_alpha} against numerical integration of its definition ({@code E_mu0[(mu/mu0)^alpha]}), the
     * independent check of TF Privacy's {@code test_compute_log_a_equals_mp} on its parameters (tiny and extreme
     * q and σ, orders from 1.01 to 256.1) and three DP-SGD settings. Reference values computed here with mpmath 1.3.0
     * ({@code mpmath.quad} at 50 digits over (-inf, 0, 1, inf)); tolerance rtol 1e-4, TF Privacy's.
     */
    @Test
    void shouldAgreeWithNumericalIntegrationOfTheDefinition() {
        final double[][] cases = {
            {1e-7, 0.1, 1.01, 4.0034123225263985848e-8},
            {1e-6, 0.1, 256, 3260455.8369047057944},
            {1e-5, 0.1, 256.1, 3263603.446075693002},
            {1e-6, 1, 27, 8.7695113048484978803e-10},
            {1e-4, 1, 1.5, 6.4426869538366497255e-9},
            {1e-3, 1, 2, 1.7182803522145153698e-6},
            {0.01, 10, 20, 0.00019129699912842962637},
            {0.1, 100, 20.5, 0.0001999181845806829614},
            {0.99, 0.1, 256, 3263990.0347215661522},
            {0.999, 100, 256.1, 3.2601080379731126889},
            {0.04, 1.5, 3.9, 0.0053162863787931897766},
            {256 / MNIST, 1.1, 8.1, 0.00070758406609710932917},
            {0.01, 0.7, 3.3, 0.0033802103030086934269},
        };
        for (final double[] c : cases) {
            final double logA = SampledGaussianRdp.rdp(c[0], c[1], c[2]) * (c[2] - 1);
            assertEquals(c[3], logA, 1e-4 * c[3], "q=" + c[0] + ", sigma=" + c[1] + ", order=" + c[2]);
        }
    }

    /**
     * Without sampling the mechanism is the Gaussian mechanism, RDP {@code alpha / (2 sigma^2)}; TF Privacy's
     * {@code test_get_privacy_spent_check_target_delta} picks σ = 4.530877117 so that one step is exactly
     * (1, 1e-6)-DP under the Balle et al. conversion over the fine orders 1.000..99.999, and a constant RDP of 1.1 on
     * orders 2..32 gives ε = 1.32783806176 at order 32 (δ = 1e-5).
     */
    @Test
    void shouldReproduceTheGaussianMechanismFigures() {
        assertEquals(20 / (2 * 10.0 * 10.0), SampledGaussianRdp.rdp(1, 10, 20), 1e-15);
        assertEquals(0, SampledGaussianRdp.rdp(0, 10, 20));
        final double[] fine = new double[99_000];
        for (int i = 0; i < fine.length; i++) {
            fine[i] = 0.001 * (i + 1001);
        }
        final RdpAccountant gaussian = new RdpAccountant(fine, RdpConversion.BALLE_2020);
        gaussian.step(4.530877117, 1);
        assertEquals(1.0, gaussian.epsilon(1e-6), 1e-6);

        final double[] orders = new double[31];
        final double[] constant = new double[31];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = i + 2;
            constant[i] = 1.1;
        }
        final PrivacySpent spent = RdpConversion.BALLE_2020.spent(orders, constant, 1e-5);
        assertEquals(1.32783806176, spent.epsilon(), 1e-10);
        assertEquals(32.0, spent.order());
    }

    @Test
    void shouldComposeStepsAdditively() {
        final double[] orders = {1.5, 2, 8, 32.5};
        final RdpAccountant stepwise = new RdpAccountant(orders, RdpConversion.BALLE_2020);
        final RdpAccountant inOne = new RdpAccountant(orders, RdpConversion.BALLE_2020);
        for (int i = 0; i < 100; i++) {
            stepwise.step(1.2, 0.01);
        }
        stepwise.steps(0.8, 0.02, 50);
        inOne.steps(1.2, 0.01, 100);
        inOne.steps(0.8, 0.02, 50);
        assertArrayEquals(inOne.rdp(), stepwise.rdp(), 1e-12);
        final double[] a = SampledGaussianRdp.rdp(0.01, 1.2, 100, orders);
        final double[] b = SampledGaussianRdp.rdp(0.02, 0.8, 50, orders);
        for (int k = 0; k < orders.length; k++) {
            assertEquals(a[k] + b[k], inOne.rdp()[k], 1e-12 * (a[k] + b[k]));
        }
        assertEquals(150, inOne.steps());
        assertEquals(0, new RdpAccountant().epsilon(1e-5), "nothing spent before the first step");
    }

    /** Far in the tail (tiny q, large σ) rounding must not produce a negative RDP, which no conversion accepts. */
    @Test
    void shouldStayNonNegativeWhereThePrivacyLossIsTiny() {
        for (final double q : new double[] {1e-9, 1e-7, 1e-5}) {
            for (final double sigma : new double[] {10, 100, 1000}) {
                final RdpAccountant accountant = new RdpAccountant();
                accountant.steps(sigma, q, 1000);
                for (final double r : accountant.rdp()) {
                    assertTrue(r >= 0, "q=" + q + ", sigma=" + sigma + ", rdp=" + r);
                }
                assertTrue(accountant.epsilon(1e-5) >= 0);
            }
        }
    }

    @Test
    void shouldGiveTheTighterEpsilonWithTheBalleConversion() {
        final RdpAccountant balle = new RdpAccountant();
        final RdpAccountant mironov = new RdpAccountant(RdpAccountant.defaultOrders(), RdpConversion.MIRONOV_2017);
        balle.steps(1.1, 256 / MNIST, 14_040);
        mironov.steps(1.1, 256 / MNIST, 14_040);
        assertTrue(balle.epsilon(1e-5) < mironov.epsilon(1e-5));
    }

    @Test
    void shouldRejectBadArguments() {
        final RdpAccountant accountant = new RdpAccountant();
        assertThrows(IllegalArgumentException.class, () -> accountant.step(1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> accountant.step(-1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> accountant.step(Double.NaN, 0.5));
        assertThrows(IllegalArgumentException.class, () -> accountant.steps(1, 0.5, -1));
        assertThrows(IllegalArgumentException.class, () -> accountant.spent(0));
        assertThrows(IllegalArgumentException.class, () -> accountant.spent(1));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[] {2, 1},
            RdpConversion.BALLE_2020));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[0],
            RdpConversion.BALLE_2020));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SampledGaussianRdp.rdp(0.5, 1, 1));
        assertEquals("RDP orders must be greater than 1, order=1.0", e.getMessage());
        assertEquals(Double.POSITIVE_INFINITY, SampledGaussianRdp.rdp(0.5, 0, 2), "no noise, no privacy");
    }

    private static double classic(final double[] orders, final double sigma, final double q, final long steps) {
        final RdpAccountant accountant = new RdpAccountant(orders, RdpConversion.MIRONOV_2017);
        accountant.steps(sigma, q, steps);
        return accountant.epsilon(1e-5);
    }

    /** Published to a few digits: within half a unit of the last digit, which is also within 1%. */
    private static void assertPublished(final double published, final double halfUnit, final double actual,
                                        final String what) {
        assertTrue(halfUnit <= 0.01 * published, "the tolerance must stay within 1%");
        assertEquals(published, actual, halfUnit + 1e-12, what);
    }

    private static double[] tfOrders() {
        final double[] head = {1.25, 1.5, 1.75, 2., 2.25, 2.5, 3., 3.5, 4., 4.5};
        final double[] out = new double[head.length + 59 + 3];
        System.arraycopy(head, 0, out, 0, head.length);
        for (int a = 5; a < 64; a++) {
            out[head.length + a - 5] = a;
        }
        out[out.length - 3] = 128;
        out[out.length - 2] = 256;
        out[out.length - 1] = 512;
        return out;
    }
}
