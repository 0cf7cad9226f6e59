package dev.obscura.privacy;

/**
 * The conversion of a Rényi-DP curve (RDP {@code r(alpha)} at several orders) into an (ε, δ)-DP guarantee: each
 * order gives an ε, and the smallest is reported. Both are valid upper bounds; they differ in tightness.
 */
public enum RdpConversion {
    /**
     * Mironov, "Rényi Differential Privacy" (CSF 2017), Proposition 3:
     * {@code eps = r(alpha) + log(1/delta) / (alpha - 1)}. The conversion of TensorFlow Privacy before December 2020
     * and of Opacus before 1.0, so of the figures in their tutorials of that time (for example TF Privacy's MNIST
     * tutorial: ε = 3.01 at σ = 1.1, batch 256 of 60,000, 60 epochs, δ = 1e-5).
     */
    MIRONOV_2017 {
        @Override
        double epsilon(final double order, final double rdp, final double delta) {
            return rdp - Math.log(delta) / (order - 1);
        }
    },

    /**
     * Balle, Barthe, Gaboardi, Hsu and Sato, "Hypothesis Testing Interpretations and Renyi Differential Privacy"
     * (AISTATS 2020), Theorem 21; also Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy"
     * (NeurIPS 2020), Proposition 12:
     * {@code eps = r(alpha) + log((alpha - 1) / alpha) - (log(delta) + log(alpha)) / (alpha - 1)}, tighter than
     * {@link #MIRONOV_2017} at every order above 1. Used by Opacus since 1.0 and by TensorFlow Privacy and Google's
     * {@code dp_accounting} since December 2020, with the same two guards: orders up to 1.01 give no bound (the
     * formula is unstable as {@code alpha -> 1}), and when {@code delta^2 >= 1 - e^(-r(alpha))} the total variation
     * bound {@code sqrt(1 - e^(-KL))} (KL at most {@code r(alpha)}) already gives ε = 0. The default.
     */
    BALLE_2020 {
        @Override
        double epsilon(final double order, final double rdp, final double delta) {
            if (delta * delta + Math.expm1(-rdp) > 0) {
                return 0;
            }
            if (order <= 1.01) {
                return Double.POSITIVE_INFINITY;
            }
            return rdp + Math.log1p(-1 / order) - Math.log(delta * order) / (order - 1);
        }
    };

    /** The ε of one order (may be {@code +inf}). */
    abstract double epsilon(double order, double rdp, double delta);

    /**
     * The smallest ε over {@code orders} for {@code rdp} (the RDP at each order) and {@code delta}, with its order.
     * ε is never negative; it is {@code +inf}, with order {@code NaN}, when no order gives a finite bound.
     *
     * @throws IllegalArgumentException when the arrays differ in length, {@code delta} is not in {@code (0, 1)}, an
     *     order is not above 1, or an RDP value is negative or {@code NaN}
     */
    public PrivacySpent spent(final double[] orders, final double[] rdp, final double delta) {
        if (orders.length != rdp.length) {
            throw new IllegalArgumentException("one RDP value per order, orders=" + orders.length + ", rdp="
                + rdp.length);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), delta=" + delta);
        }
        double best = Double.POSITIVE_INFINITY;
        double bestOrder = Double.NaN;
        for (int k = 0; k < orders.length; k++) {
            if (!(orders[k] > 1)) {
                throw new IllegalArgumentException("RDP orders must be greater than 1, order=" + orders[k]);
            }
            if (!(rdp[k] >= 0)) {
                throw new IllegalArgumentException("RDP must be a non-negative number, order=" + orders[k]
                    + ", rdp=" + rdp[k]);
            }
            final double eps = rdp[k] == Double.POSITIVE_INFINITY ? Double.POSITIVE_INFINITY
                : epsilon(orders[k], rdp[k], delta);
            if (eps < best) {
                best = eps;
                bestOrder = orders[k];
            }
        }
        return new PrivacySpent(Math.max(0, best), delta, bestOrder);
    }
}
