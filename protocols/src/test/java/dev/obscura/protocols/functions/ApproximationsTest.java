package dev.obscura.protocols.functions;

import static dev.obscura.mpc.functions.Approximations.EXP_ABSOLUTE_ERROR;
import static dev.obscura.mpc.functions.Approximations.EXP_DOMAIN_MAX;
import static dev.obscura.mpc.functions.Approximations.EXP_DOMAIN_MIN;
import static dev.obscura.mpc.functions.Approximations.EXP_MAX_ERROR;
import static dev.obscura.mpc.functions.Approximations.EXP_RELATIVE_ERROR;
import static dev.obscura.mpc.functions.Approximations.RECIPROCAL_ABSOLUTE_ERROR;
import static dev.obscura.mpc.functions.Approximations.RECIPROCAL_DOMAIN_MAX;
import static dev.obscura.mpc.functions.Approximations.RECIPROCAL_DOMAIN_MIN;
import static dev.obscura.mpc.functions.Approximations.RECIPROCAL_MAX_ERROR;
import static dev.obscura.mpc.functions.Approximations.RECIPROCAL_RELATIVE_ERROR;
import static dev.obscura.mpc.functions.Approximations.SOFTMAX_INPUT_RANGE;
import static dev.obscura.mpc.functions.Approximations.SOFTMAX_MAX_ERROR;
import static dev.obscura.protocols.functions.FunctionTests.FP;
import static dev.obscura.protocols.functions.FunctionTests.SEED;
import static dev.obscura.protocols.functions.FunctionTests.ULP;
import static dev.obscura.protocols.functions.FunctionTests.comparisonRounds;
import static dev.obscura.protocols.functions.FunctionTests.concat;
import static dev.obscura.protocols.functions.FunctionTests.input;
import static dev.obscura.protocols.functions.FunctionTests.onGrid;
import static dev.obscura.protocols.functions.FunctionTests.run;
import static dev.obscura.protocols.functions.FunctionTests.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.functions.Approximations;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.PartyFailureException;
import dev.obscura.ring.FixedPoint;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Approximations} against plaintext {@code double} math on the fixed-point inputs, with the bounds the class
 * publishes as tolerances, over the whole stated domain (random values plus the domain's ends, powers of two, 0 and
 * single ulps), and its documented behaviour outside the domain.
 */
class ApproximationsTest {
    private static final double LN2 = Math.log(2);

    // --------------------------------------------------------------------------------------------------- exp

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3, 4})
    void shouldApproximateExpWithinTheStatedBoundAcrossTheDomain(final int parties) {
        final SplittableRandom rnd = new SplittableRandom(SEED + parties);
        final double lo = onGrid(EXP_DOMAIN_MIN);
        final double top = Math.nextDown(EXP_DOMAIN_MAX);
        final double[] edges = {Math.ceil(EXP_DOMAIN_MIN * 65536) / 65536, lo + ULP, 0, ULP, -ULP, 1, -1, LN2, -LN2,
            onGrid(LN2) + ULP, onGrid(-LN2) - ULP, 0.5, -0.5, 5.5, -5.5, -11, 11, onGrid(top) - ULP, top, -3 * LN2,
            onGrid(-3 * LN2) - ULP, onGrid(-3 * LN2) + ULP};
        final double[] x = concat(uniform(rnd, 600, EXP_DOMAIN_MIN, EXP_DOMAIN_MAX), onGrid(edges));
        assertEquals(0, x.length % 2, "an even count, for the [2, n/2] shape");
        final double[] got = run(parties, ops -> {
            try (SecretTensor s = input(ops, x, 2, x.length / 2); SecretTensor e = ops.exp(s)) {
                assertEquals(FP.fracBits(), e.fracBits(), "exp keeps the scale");
                assertArrayEquals(new int[] {2, x.length / 2}, e.shape(), "exp keeps the shape");
                return ops.reveal(e);
            }
        });
        for (int i = 0; i < x.length; i++) {
            final double want = Math.exp(x[i]);
            checkWithin("exp", x[i], want, got[i], EXP_RELATIVE_ERROR * want + EXP_ABSOLUTE_ERROR);
            checkWithin("exp (max error)", x[i], want, got[i], EXP_MAX_ERROR);
        }
    }

    @Test
    void shouldSaturateExpOutsideTheDomain() {
        final double[] below = {onGrid(EXP_DOMAIN_MIN) - ULP, -12, -20, -1000, -0x1p40, -0x1p45};
        final double[] above = {onGrid(EXP_DOMAIN_MAX) + ULP, 11.1, 12, 100, 0x1p40, 0x1p45};
        final double[] x = concat(below, above);
        final double[] got = run(2, ops -> {
            try (SecretTensor s = input(ops, x, x.length); SecretTensor e = ops.exp(s)) {
                return ops.reveal(e);
            }
        });
        for (int i = 0; i < below.length; i++) {
            // e^x < 2^-16 here: 0 (or one ulp from the last truncation) is within the absolute bound
            checkWithin("exp below the domain", x[i], Math.exp(x[i]), got[i], EXP_ABSOLUTE_ERROR);
        }
        for (int i = below.length; i < x.length; i++) {
            assertEquals(0x1p16, got[i], "exp saturates at 2^16 above the domain, x=" + x[i]);
        }
    }

    // -------------------------------------------------------------------------------------------- reciprocal

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3, 4})
    void shouldApproximateReciprocalWithinTheStatedBoundAcrossTheDomain(final int parties) {
        final SplittableRandom rnd = new SplittableRandom(SEED + 10 + parties);
        final int random = 500;
        final double[] x = new double[random + 3 * 33 + 4];
        for (int i = 0; i < random; i++) {
            // log-uniform over the domain, so every binade is hit
            x[i] = Math.max(RECIPROCAL_DOMAIN_MIN, onGrid(Math.exp(rnd.nextDouble(Math.log(RECIPROCAL_DOMAIN_MIN),
                Math.log(RECIPROCAL_DOMAIN_MAX)))));
        }
        int at = random;
        for (int j = -16; j <= 16; j++) {
            // every threshold of the thermometer, and one ulp either side of it
            x[at++] = Math.scalb(1.0, j) == 0x1p16 ? 0x1p16 - ULP : Math.scalb(1.0, j);
            x[at++] = Math.max(RECIPROCAL_DOMAIN_MIN, Math.scalb(1.0, j) - ULP);
            x[at++] = Math.min(0x1p16 - ULP, Math.scalb(1.0, j) + ULP);
        }
        x[at++] = 1.5;
        x[at++] = 3;
        x[at++] = onGrid(0.1);
        x[at] = onGrid(Math.PI);
        final double[] got = run(parties, ops -> {
            try (SecretTensor s = input(ops, x, x.length); SecretTensor r = ops.reciprocal(s)) {
                assertEquals(FP.fracBits(), r.fracBits(), "reciprocal keeps the scale");
                return ops.reveal(r);
            }
        });
        for (int i = 0; i < x.length; i++) {
            assertTrue(x[i] >= RECIPROCAL_DOMAIN_MIN && x[i] < RECIPROCAL_DOMAIN_MAX, "test input in the domain");
            final double want = 1 / x[i];
            checkWithin("reciprocal", x[i], want, got[i], RECIPROCAL_RELATIVE_ERROR * want + RECIPROCAL_ABSOLUTE_ERROR);
            checkWithin("reciprocal (max error)", x[i], want, got[i], RECIPROCAL_MAX_ERROR);
        }
    }

    @Test
    void shouldClampReciprocalOutsideTheDomain() {
        final double[] below = {0, -ULP, -1, -0x1p30, -0x1p45};
        final double[] above = {RECIPROCAL_DOMAIN_MAX, RECIPROCAL_DOMAIN_MAX + ULP, 0x1p20, 0x1p40, 0x1p45};
        final double[] x = concat(below, above);
        final double[] got = run(2, ops -> {
            try (SecretTensor s = input(ops, x, x.length); SecretTensor r = ops.reciprocal(s)) {
                return ops.reveal(r);
            }
        });
        for (int i = 0; i < below.length; i++) {
            checkWithin("reciprocal below the domain (clamped to 2^-16)", x[i], 0x1p16, got[i],
                RECIPROCAL_RELATIVE_ERROR * 0x1p16 + RECIPROCAL_ABSOLUTE_ERROR);
        }
        for (int i = below.length; i < x.length; i++) {
            checkWithin("reciprocal above the domain (clamped to 2^16)", x[i], 0x1p-16, got[i],
                RECIPROCAL_ABSOLUTE_ERROR);
        }
    }

    // ----------------------------------------------------------------------------------------------- softmax

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3, 4})
    void shouldComputeSoftmaxWithinTheStatedBound(final int parties) {
        final SplittableRandom rnd = new SplittableRandom(SEED + 20 + parties);
        for (final int k : new int[] {10, 7}) {
            final int rows = 12;
            final double[] x = new double[rows * k];
            for (int r = 0; r < rows; r++) {
                final double offset = rnd.nextDouble(-SOFTMAX_INPUT_RANGE / 2, SOFTMAX_INPUT_RANGE / 2);
                for (int j = 0; j < k; j++) {
                    x[r * k + j] = onGrid(offset + rnd.nextDouble(-SOFTMAX_INPUT_RANGE / 4, SOFTMAX_INPUT_RANGE / 4));
                }
            }
            // row 0: equal logits; row 1: two tied maxima; row 2: one dominant logit; row 3: far from 0;
            // row 4: a narrow spread (no exponential below the cut-off); row 5: single-ulp differences
            for (int j = 0; j < k; j++) {
                x[j] = 1.0;
                x[k + j] = j < 2 ? 3.25 : onGrid(3.25 - rnd.nextDouble(0, 4));
                x[2 * k + j] = j == k - 1 ? 40 : onGrid(rnd.nextDouble(-2, 2));
                x[3 * k + j] = onGrid(-1e6 + rnd.nextDouble(-3, 3));
                x[4 * k + j] = onGrid(rnd.nextDouble(-0.5, 0.5));
                x[5 * k + j] = j * ULP;
            }
            checkSoftmax(parties, x, rows, k);
        }
    }

    @Test
    void shouldComputeSoftmaxOfOddShapes() {
        final SplittableRandom rnd = new SplittableRandom(SEED + 30);
        for (final int[] shape : new int[][] {{5}, {3, 1}, {2, 3, 4}, {2, 16}, {1, 33}}) {
            final int k = shape[shape.length - 1];
            int n = 1;
            for (final int d : shape) {
                n *= d;
            }
            final double[] x = uniform(rnd, n, -6, 6);
            checkSoftmax(2, x, n / k, k, shape);
        }
    }

    private static void checkSoftmax(final int parties, final double[] x, final int rows, final int k,
                                     final int... shape) {
        final int[] s = shape.length == 0 ? new int[] {rows, k} : shape;
        final double[] got = run(parties, ops -> {
            try (SecretTensor in = input(ops, x, s); SecretTensor p = ops.softmax(in)) {
                assertArrayEquals(s, p.shape(), "softmax keeps the shape");
                assertEquals(FP.fracBits(), p.fracBits(), "softmax keeps the scale");
                return ops.reveal(p);
            }
        });
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, x[r * k + j]);
            }
            double total = 0;
            for (int j = 0; j < k; j++) {
                total += Math.exp(x[r * k + j] - max);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                final int i = r * k + j;
                checkWithin("softmax (row " + r + " of " + k + ")", x[i], Math.exp(x[i] - max) / total, got[i],
                    SOFTMAX_MAX_ERROR);
                sum += got[i];
            }
            assertEquals(1.0, sum, k * SOFTMAX_MAX_ERROR, "softmax row " + r + " sums to 1");
        }
    }

    // ------------------------------------------------------------------------------------------ other scales

    @ParameterizedTest(name = "f = {0}")
    @ValueSource(ints = {12, 20, 24})
    void shouldKeepTheRelativeBoundsAtOtherFixedPointScales(final int f) {
        final FixedPoint fp = new FixedPoint(f);
        final double ulp = fp.ulp();
        final SplittableRandom rnd = new SplittableRandom(SEED + 40 + f);
        final int n = 200;
        final double[] ex = new double[n];
        final double[] rx = new double[n];
        final int d = Math.min(f, 16);
        for (int i = 0; i < n; i++) {
            // exp's domain is [-f ln 2, 16 ln 2) and the reciprocal's [2^-d, 2^d), d = min(f, 16)
            ex[i] = fp.decode(fp.encode(rnd.nextDouble(-f * LN2, 16 * LN2)));
            rx[i] = Math.max(Math.scalb(1.0, -d), fp.decode(fp.encode(Math.exp(rnd.nextDouble(-d * LN2, d * LN2)))));
        }
        final double[] sx = uniform(new SplittableRandom(SEED + 50 + f), 30, -8, 8);
        final LocalParties runner = LocalParties.builder().parties(2).fixedPoint(fp).build();
        final double[][] got = run(runner, ops -> {
            try (SecretTensor a = ops.input(0, ops.session().partyId() == 0 ? ex : null, n);
                 SecretTensor b = ops.input(0, ops.session().partyId() == 0 ? rx : null, n);
                 SecretTensor c = ops.input(0, ops.session().partyId() == 0 ? sx : null, 3, 10);
                 SecretTensor e = ops.exp(a); SecretTensor r = ops.reciprocal(b); SecretTensor p = ops.softmax(c)) {
                return new double[][] {ops.reveal(e), ops.reveal(r), ops.reveal(p)};
            }
        });
        final double absScale = ulp / ULP;
        for (int i = 0; i < n; i++) {
            final double we = Math.exp(ex[i]);
            checkWithin("exp at f=" + f, ex[i], we, got[0][i], EXP_RELATIVE_ERROR * we + EXP_ABSOLUTE_ERROR * absScale);
            final double wr = 1 / rx[i];
            checkWithin("reciprocal at f=" + f, rx[i], wr, got[1][i],
                RECIPROCAL_RELATIVE_ERROR * wr + RECIPROCAL_ABSOLUTE_ERROR * absScale);
        }
        for (int r = 0; r < 3; r++) {
            double max = Double.NEGATIVE_INFINITY;
            double total = 0;
            for (int j = 0; j < 10; j++) {
                max = Math.max(max, fp.decode(fp.encode(sx[r * 10 + j])));
            }
            for (int j = 0; j < 10; j++) {
                total += Math.exp(fp.decode(fp.encode(sx[r * 10 + j])) - max);
            }
            for (int j = 0; j < 10; j++) {
                final double want = Math.exp(fp.decode(fp.encode(sx[r * 10 + j])) - max) / total;
                // at other scales exp's relative error no longer hides below an ulp: 1.5 ulps + EXP_RELATIVE_ERROR / 2
                checkWithin("softmax at f=" + f, sx[r * 10 + j], want, got[2][r * 10 + j],
                    1.5 * ulp + EXP_RELATIVE_ERROR / 2);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ cost, errors

    @Test
    void shouldCostTheStatedRounds() {
        final long[] rounds = run(2, ops -> {
            final long c = comparisonRounds(ops);
            try (SecretTensor x = input(ops, new double[] {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 1, 10);
                 SecretTensor e = ops.exp(x); SecretTensor r = ops.reciprocal(x); SecretTensor p = ops.softmax(x)) {
                final var stats = ops.session().stats();
                return new long[] {c, stats.of("exp").rounds(), stats.of("reciprocal").rounds(),
                    stats.of("softmax").rounds()};
            }
        });
        final long c = rounds[0];
        assertEquals(c + 6, rounds[1], "exp: one comparison call and three products");
        assertEquals(c + 12, rounds[2], "reciprocal: one comparison call and six products");
        assertEquals(4 * c + (c + 6) + (c + 10), rounds[3],
            "softmax over 10 classes: a 4-level max by ReLUs, exp, and the reciprocal carrying the numerators");
    }

    @Test
    void shouldReturnEmptyResultsForEmptyInputsWithoutCommunication() {
        final long[] rounds = run(2, ops -> {
            final long before = ops.session().stats().total().rounds();
            try (SecretTensor x = input(ops, new double[0], 0, 4); SecretTensor e = ops.exp(x);
                 SecretTensor r = ops.reciprocal(x); SecretTensor p = ops.softmax(x)) {
                assertArrayEquals(new int[] {0, 4}, e.shape());
                assertArrayEquals(new int[] {0, 4}, r.shape());
                assertArrayEquals(new int[] {0, 4}, p.shape());
                return new long[] {ops.session().stats().total().rounds() - before};
            }
        });
        assertEquals(0, rounds[0], "nothing to compute, nothing to send");
    }

    @Test
    void shouldRejectValuesThatAreNotAtTheSessionScale() {
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> run(2, ops -> {
                try (SecretTensor x = input(ops, new double[] {1, 2}, 2);
                     SecretTensor bits = ops.reluDerivative(x)) {
                    return ops.reveal(Approximations.exp(ops, bits));
                }
            }));
        assertTrue(e.getCause() instanceof IllegalArgumentException, "cause: " + e.getCause());
        assertTrue(e.getCause().getMessage().contains("fracBits=0"), e.getCause().getMessage());
    }

    private static void checkWithin(final String what, final double x, final double want, final double got,
                                    final double bound) {
        final double err = Math.abs(got - want);
        if (!(err <= bound)) {
            fail(what + " of " + x + " is " + got + ", expected " + want + ": error " + err + " above the bound "
                + bound);
        }
    }
}
