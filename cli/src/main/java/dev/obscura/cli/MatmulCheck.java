package dev.obscura.cli;

import dev.obscura.mpc.Counters;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.ring.FixedPoint;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A secure matrix product checked against plaintext, the program of {@code obscura demo} (parties as threads) and of
 * {@code obscura party} (parties as processes, a connectivity and speed check of a deployment). Party 0
 * secret-shares a matrix A (m x k), party 1 a matrix B (k x n); the parties multiply them {@code repeat} times on
 * shares (a Beaver matrix triple, one round, and an exact truncation, one round), each product timed, and open the
 * last product to every party. The matrices are public test data drawn from {@code dataSeed} (uniform in [-1, 1)),
 * so that every party also computes the product in plaintext and checks the opened one against it within
 * {@link #errorBound}; a wrong product fails the run.
 *
 * @param m        rows of A
 * @param k        columns of A, rows of B
 * @param n        columns of B
 * @param repeat   how many products to time
 * @param dataSeed the seed of the public test matrices
 */
record MatmulCheck(int m, int k, int n, int repeat, long dataSeed) {

    /**
     * What a party measured.
     *
     * @param product      the last product, opened
     * @param medianMillis the median wall time of one secure product (the dealer's work included), in ms
     * @param perProduct   this party's counters of one product (the average over the runs)
     * @param maxError     the largest |opened - plaintext double product|
     * @param bound        the bound the check held it to
     */
    record Report(double[] product, double medianMillis, Counters perProduct, double maxError, double bound) {
        /**
         * The first 16 hex digits of the SHA-256 of the opened product's bits: the same at every party of a run, and
         * the same for the same seeds in-process and across processes.
         */
        String productDigest() {
            return digest(product);
        }
    }

    /** The first 16 hex digits of the SHA-256 of {@code values}' bits (IEEE 754, big-endian, in order). */
    static String digest(final double[] values) {
        try {
            final java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * Double.BYTES);
            b.asDoubleBuffer().put(values);
            return java.util.HexFormat.of().formatHex(sha.digest(b.array()), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The computation's name: what a recorded plan and a preprocessing file are for. */
    String computation() {
        return "matmul m=" + m + " k=" + k + " n=" + n + " repeat=" + repeat + " data-seed=" + dataSeed;
    }

    /** Matrix A, party 0's input (public test data). */
    double[] a() {
        return new SplittableRandom(dataSeed).doubles((long) m * k, -1, 1).toArray();
    }

    /** Matrix B, party 1's input (public test data). */
    double[] b() {
        return new SplittableRandom(dataSeed + 1).doubles((long) k * n, -1, 1).toArray();
    }

    /** Runs the product at one party (SPMD: every party runs it on its session); the set-up is not timed. */
    Report run(final SecureOps ops) {
        final int me = ops.session().partyId();
        final double[] a = a();
        final double[] b = b();
        try (SecretTensor x = ops.input(0, me == 0 ? a : null, m, k);
             SecretTensor y = ops.input(1, me == 1 ? b : null, k, n)) {
            final long[] times = new long[repeat];
            final Counters before = ops.session().stats().total();
            SecretTensor product = null;
            try {
                for (int r = 0; r < repeat; r++) {
                    final long start = System.nanoTime();
                    final SecretTensor z = ops.matmul(x, y, false, false);
                    times[r] = System.nanoTime() - start;
                    if (product != null) {
                        product.close();
                    }
                    product = z;
                }
                final Counters all = ops.session().stats().total().minus(before);
                final Counters one = new Counters(1, all.rounds() / repeat, all.bytesSent() / repeat,
                    all.dealerBytes() / repeat, all.onlineNanos() / repeat, all.offlineNanos() / repeat);
                final double[] opened = ops.reveal(product);
                Arrays.sort(times);
                return check(opened, times[repeat / 2] / 1e6, one, ops.session().fixedPoint());
            } finally {
                if (product != null) {
                    product.close();
                }
            }
        }
    }

    private Report check(final double[] opened, final double millis, final Counters one, final FixedPoint fp) {
        final double[] expected = plaintextProduct(a(), b(), m, k, n);
        final double bound = errorBound(fp, k);
        double maxError = 0;
        for (int i = 0; i < expected.length; i++) {
            maxError = Math.max(maxError, Math.abs(opened[i] - expected[i]));
        }
        if (!(maxError <= bound)) {
            throw new IllegalStateException("the secure product differs from the plaintext one: maxError="
                + maxError + ", bound=" + bound + " (" + computation() + ")");
        }
        return new Report(opened, millis, one, maxError, bound);
    }

    /**
     * Worst case of |secure - exact| for inputs in [-1, 1): each encoding is off by at most ulp/2, so each of the K
     * products is off by at most ulp/2 * (|a| + |b|) + ulp^2/4 <= ulp + ulp^2/4; the truncation in the clear adds
     * less than 1 ulp, and the secure truncation at most 1 ulp more.
     */
    static double errorBound(final FixedPoint fp, final int k) {
        final double ulp = fp.ulp();
        return k * (ulp + ulp * ulp / 4) + 2 * ulp;
    }

    /** The product of A (m x k) and B (k x n) in doubles. */
    static double[] plaintextProduct(final double[] a, final double[] b, final int m, final int k, final int n) {
        final double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                final double aip = a[i * k + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
        return c;
    }
}
