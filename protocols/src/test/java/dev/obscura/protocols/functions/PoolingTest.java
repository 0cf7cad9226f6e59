package dev.obscura.protocols.functions;

import static dev.obscura.protocols.functions.FunctionTests.FP;
import static dev.obscura.protocols.functions.FunctionTests.SEED;
import static dev.obscura.protocols.functions.FunctionTests.comparisonRounds;
import static dev.obscura.protocols.functions.FunctionTests.input;
import static dev.obscura.protocols.functions.FunctionTests.onGrid;
import static dev.obscura.protocols.functions.FunctionTests.run;
import static dev.obscura.protocols.functions.FunctionTests.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.functions.Pooling;
import dev.obscura.protocols.PartyFailureException;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Pooling} against plaintext: the maxima and one-hot masks must be exactly equal, ties included (the first
 * maximum wins), on odd shapes, overlapping windows and windows that do not tile the input.
 */
class PoolingTest {

    // --------------------------------------------------------------------------------------------------- max

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3, 4})
    void shouldTakeTheElementwiseMaximumExactly(final int parties) {
        final SplittableRandom rnd = new SplittableRandom(SEED + parties);
        final int n = 64;
        final double[] a = values(rnd, n);
        final double[] b = values(rnd, n);
        b[0] = a[0];
        a[1] = 0x1p40;
        b[1] = -0x1p40;
        a[2] = -0x1p40;
        b[2] = 0x1p40;
        a[3] = -FunctionTests.ULP;
        b[3] = 0;
        final double[] got = run(parties, ops -> {
            try (SecretTensor x = input(ops, a, 4, 16); SecretTensor y = input(ops, b, 4, 16);
                 SecretTensor m = ops.max(x, y)) {
                assertEquals(FP.fracBits(), m.fracBits(), "max keeps the scale");
                assertArrayEquals(new int[] {4, 16}, m.shape(), "max keeps the shape");
                return ops.reveal(m);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(Math.max(a[i], b[i]), got[i], 0.0, "max of " + a[i] + " and " + b[i]);
        }
    }

    @Test
    void shouldBroadcastTheElementwiseMaximum() {
        final double[] a = {1, -2, 3, -4, 5, -6};
        final double[] b = {0, 0.5, -1};
        final double[] got = run(2, ops -> {
            try (SecretTensor x = input(ops, a, 2, 3); SecretTensor y = input(ops, b, 3);
                 SecretTensor m = Pooling.max(ops, x, y)) {
                assertArrayEquals(new int[] {2, 3}, m.shape(), "broadcast shape");
                return ops.reveal(m);
            }
        });
        assertArrayEquals(new double[] {1, 0.5, 3, 0, 5, -1}, got, 0.0);
    }

    // --------------------------------------------------------------------------------------------- maxPool2d

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3, 4})
    void shouldMaxPoolOddShapesExactlyWithTheFirstMaximumWinningTies(final int parties) {
        final int[] shape = {2, 3, 7, 5};
        final int[][] windows = {{2, 2, 2, 2}, {3, 3, 1, 1}, {3, 3, 2, 2}, {2, 3, 1, 2}, {1, 1, 1, 1}, {7, 5, 1, 1},
            {3, 2, 3, 1}};
        final SplittableRandom rnd = new SplittableRandom(SEED + 10 + parties);
        // small integers: many ties inside the windows; reals: the ordinary case
        final double[] ties = new double[2 * 3 * 7 * 5];
        for (int i = 0; i < ties.length; i++) {
            ties[i] = rnd.nextInt(-2, 3);
        }
        final double[] reals = uniform(rnd, ties.length, -50, 50);
        for (final double[] x : new double[][] {ties, reals}) {
            final double[][][] got = run(parties, ops -> {
                final double[][][] out = new double[windows.length][][];
                try (SecretTensor in = input(ops, x, shape)) {
                    for (int w = 0; w < windows.length; w++) {
                        final int[] k = windows[w];
                        try (SecureOps.MaxPoolResult r = ops.maxPool2d(in, k[0], k[1], k[2], k[3])) {
                            assertEquals(FP.fracBits(), r.values().fracBits(), "values keep the scale");
                            assertEquals(0, r.argmaxMask().fracBits(), "the mask holds 0/1 integers");
                            final int oH = (7 - k[0]) / k[2] + 1;
                            final int oW = (5 - k[1]) / k[3] + 1;
                            assertArrayEquals(new int[] {2, 3, oH, oW}, r.values().shape(), "values shape");
                            assertArrayEquals(new int[] {2, 3, oH, oW, k[0] * k[1]}, r.argmaxMask().shape(),
                                "mask shape");
                            out[w] = new double[][] {ops.reveal(r.values()), ops.reveal(r.argmaxMask())};
                        }
                    }
                }
                return out;
            });
            for (int w = 0; w < windows.length; w++) {
                final double[][] want = plainMaxPool(x, shape, windows[w]);
                final String what = "maxPool2d " + Arrays.toString(windows[w]) + " of " + Arrays.toString(shape);
                assertArrayEquals(want[0], got[w][0], 0.0, what + ": values");
                assertArrayEquals(want[1], got[w][1], 0.0, what + ": one-hot mask");
            }
        }
    }

    @Test
    void shouldMaxPoolIntegerInputsKeepingTheirScale() {
        final long[] x = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
        final double[][] got = run(2, ops -> {
            try (RingTensor plain = RingTensor.of(x, 1, 1, 4, 4);
                 SecretTensor in = ops.inputRing(0, ops.session().partyId() == 0 ? plain : null, 0, 1, 1, 4, 4);
                 SecureOps.MaxPoolResult r = Pooling.maxPool2d(ops, in, 2, 2, 2, 2)) {
                assertEquals(0, r.values().fracBits(), "integer values stay integers");
                return new double[][] {ops.reveal(r.values()), ops.reveal(r.argmaxMask())};
            }
        });
        final double[] asReals = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            asReals[i] = x[i];
        }
        final double[][] want = plainMaxPool(asReals, new int[] {1, 1, 4, 4}, new int[] {2, 2, 2, 2});
        assertArrayEquals(want[0], got[0], 0.0);
        assertArrayEquals(want[1], got[1], 0.0);
    }

    @Test
    void shouldReturnEmptyResultsForEmptyInputsWithoutCommunication() {
        final long[] rounds = run(2, ops -> {
            final long before = ops.session().stats().total().rounds();
            try (SecretTensor x = input(ops, new double[0], 0, 3, 4, 4);
                 SecureOps.MaxPoolResult p = ops.maxPool2d(x, 2, 2, 2, 2);
                 SecretTensor a = ops.argmax(x)) {
                assertArrayEquals(new int[] {0, 3, 2, 2}, p.values().shape());
                assertArrayEquals(new int[] {0, 3, 2, 2, 4}, p.argmaxMask().shape());
                assertArrayEquals(new int[] {0, 3, 4, 4}, a.shape());
                return new long[] {ops.session().stats().total().rounds() - before};
            }
        });
        assertEquals(0, rounds[0], "nothing to compare, nothing to send");
    }

    @Test
    void shouldRejectWindowsLargerThanTheInput() {
        final PartyFailureException e = assertThrows(PartyFailureException.class, () -> run(2, ops -> {
            try (SecretTensor in = input(ops, new double[12], 1, 1, 3, 4);
                 SecureOps.MaxPoolResult r = ops.maxPool2d(in, 4, 2, 1, 1)) {
                return r.values().numel();
            }
        }));
        assertTrue(e.getCause() instanceof IllegalArgumentException, "cause: " + e.getCause());
        assertTrue(e.getCause().getMessage().contains("kH=4"), e.getCause().getMessage());
    }

    // ------------------------------------------------------------------------------------------------ argmax

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3, 4})
    void shouldArgmaxExactlyWithTheFirstMaximumWinningTies(final int parties) {
        final SplittableRandom rnd = new SplittableRandom(SEED + 20 + parties);
        final int[][] shapes = {{5, 7}, {3, 1}, {2, 3, 4}, {10}, {4, 9}, {6, 10}};
        final double[][] inputs = new double[shapes.length][];
        for (int s = 0; s < shapes.length; s++) {
            int n = 1;
            for (final int d : shapes[s]) {
                n *= d;
            }
            inputs[s] = new double[n];
            for (int i = 0; i < n; i++) {
                // ties in every shape but the last (reals)
                inputs[s][i] = s == shapes.length - 1 ? onGrid(rnd.nextDouble(-9, 9)) : rnd.nextInt(-2, 3);
            }
        }
        Arrays.fill(inputs[4], 0, 9, 7.0); // a row of equal values: the first wins
        inputs[4][9 + 8] = 100; // the last position wins alone
        final double[][] got = run(parties, ops -> {
            final double[][] out = new double[shapes.length][];
            for (int s = 0; s < shapes.length; s++) {
                try (SecretTensor in = input(ops, inputs[s], shapes[s]); SecretTensor m = ops.argmax(in)) {
                    assertArrayEquals(shapes[s], m.shape(), "argmax keeps the shape");
                    assertEquals(0, m.fracBits(), "argmax is a 0/1 integer mask");
                    out[s] = ops.reveal(m);
                }
            }
            return out;
        });
        for (int s = 0; s < shapes.length; s++) {
            assertArrayEquals(plainArgmax(inputs[s], shapes[s][shapes[s].length - 1]), got[s], 0.0,
                "argmax of " + Arrays.toString(shapes[s]));
        }
    }

    // -------------------------------------------------------------------------------------------------- cost

    @Test
    void shouldCostOneComparisonAndOneMultiplicationRoundPerLevel() {
        final long[] r = run(2, ops -> {
            final long c = comparisonRounds(ops);
            final var stats = ops.session().stats();
            try (SecretTensor x = input(ops, new double[2 * 3 * 7 * 5], 2, 3, 7, 5);
                 SecretTensor m = ops.max(x, x);
                 SecureOps.MaxPoolResult p2 = ops.maxPool2d(x, 2, 2, 2, 2)) {
                final long max = stats.of("max").rounds();
                final long pool2 = stats.of("maxPool2d").rounds();
                try (SecureOps.MaxPoolResult p3 = ops.maxPool2d(x, 3, 3, 1, 1)) {
                    final long pool3 = stats.of("maxPool2d").rounds() - pool2;
                    try (SecretTensor a10 = ops.argmax(x.reshape(21, 10))) {
                        final long argmax10 = stats.of("argmax").rounds();
                        try (SecretTensor a1 = ops.argmax(x.reshape(210, 1))) {
                            return new long[] {c, max, pool2, pool3, argmax10, stats.of("argmax").rounds() - argmax10};
                        }
                    }
                }
            }
        });
        final long c = r[0];
        assertEquals(c, r[1], "max: one ReLU, the rounds of one comparison");
        assertEquals(2 * (c + 1), r[2], "2x2 max-pool: 2 levels");
        assertEquals(4 * (c + 1), r[3], "3x3 max-pool: 4 levels");
        assertEquals(4 * (c + 1), r[4], "argmax over 10: 4 levels");
        assertEquals(0, r[5], "argmax over 1: nothing to compare");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Random reals on the grid, an eighth of them repeated from a neighbour (ties). */
    private static double[] values(final SplittableRandom rnd, final int n) {
        final double[] v = uniform(rnd, n, -100, 100);
        for (int i = 1; i < n; i++) {
            if (rnd.nextInt(8) == 0) {
                v[i] = v[i - 1];
            }
        }
        return v;
    }

    /** Plaintext max-pool: values and the one-hot mask of the first maximum in row-major window order. */
    private static double[][] plainMaxPool(final double[] x, final int[] shape, final int[] k) {
        final int planes = shape[0] * shape[1];
        final int h = shape[2];
        final int w = shape[3];
        final int oH = (h - k[0]) / k[2] + 1;
        final int oW = (w - k[1]) / k[3] + 1;
        final int p = k[0] * k[1];
        final double[] values = new double[planes * oH * oW];
        final double[] mask = new double[planes * oH * oW * p];
        int out = 0;
        for (int plane = 0; plane < planes; plane++) {
            for (int oh = 0; oh < oH; oh++) {
                for (int ow = 0; ow < oW; ow++) {
                    int best = -1;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < k[0]; i++) {
                        for (int j = 0; j < k[1]; j++) {
                            final double v = x[plane * h * w + (oh * k[2] + i) * w + ow * k[3] + j];
                            if (v > max) {
                                max = v;
                                best = i * k[1] + j;
                            }
                        }
                    }
                    values[out] = max;
                    mask[out * p + best] = 1;
                    out++;
                }
            }
        }
        return new double[][] {values, mask};
    }

    /** Plaintext one-hot argmax along rows of length {@code k}; the first maximum wins. */
    private static double[] plainArgmax(final double[] x, final int k) {
        final double[] out = new double[x.length];
        for (int r = 0; r < x.length / k; r++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (x[r * k + j] > x[r * k + best]) {
                    best = j;
                }
            }
            out[r * k + best] = 1;
        }
        return out;
    }
}
