package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.backend.Backends;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.CommStats;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.functions.Approximations;
import dev.obscura.protocols.CostModel.BilinearCall;
import dev.obscura.protocols.CostModel.Cost;
import dev.obscura.protocols.PlaintextReference.Terms;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The correctness harness every protocol suite passes: each {@link SecureOps} operation, run by 2, 3 and 4 parties
 * on every available backend ({@link Backends#availableNames()}: a native backend joins when its module is on the
 * test class path), against plaintext math on fresh random inputs and on edge values, within the error bounds that
 * {@link ErrorBounds} states as numbers; plus the suite's communication cost against its analytic figures
 * ({@link #costModel()}) and its offline/online separation.
 *
 * <p>To check a suite, extend this class in one line (it ships in the {@code obscura-protocols} test-jar):
 * <pre>{@code
 * class MySuiteTest extends SuiteConformance {
 *     protected ProtocolSuite suite() { return new MySuite(); }
 * }
 * }</pre>
 * and, to have its costs checked too, override {@link #costModel()}.
 *
 * <p>Test data are fresh for every run: each test draws a seed from {@link SecureRandom} and generates its data
 * from it; every failure message names the seed, and {@code -Dobscura.test.seed=...} reruns exactly that data (the
 * parties' own randomness, shares and masks, stays fresh). Results are compared on the opened ring values, so the
 * checks are exact: a product must be {@code floor(exact / 2^f)} or one more, a comparison bit for bit.
 */
public abstract class SuiteConformance {
    /** The party counts every test runs with. */
    public static final int[] PARTY_COUNTS = {2, 3, 4};
    /** The fractional bits of the sessions the harness runs (the default encoding). */
    protected static final int F = FixedPoint.DEFAULT_FRAC_BITS;
    /** One unit in the last place at {@link #F} fractional bits. */
    protected static final double ULP = Math.scalb(1.0, -F);
    /** The largest ring magnitude of the fixed-point range and of exact truncation: {@code 2^62 - 1}. */
    protected static final long MAX_RING = (1L << 62) - 1;
    /** The largest factor whose square still fits the range at 2f fractional bits: {@code 2^31 - 1}. */
    protected static final long MAX_SQUARE_FACTOR = (1L << 31) - 1;

    private static final String CONFIGS = "dev.obscura.protocols.SuiteConformance#configurations";
    private static final FixedPoint FP = FixedPoint.defaultEncoding();
    private static final SecureRandom SEEDS = new SecureRandom();

    /** The suite under test. */
    protected abstract ProtocolSuite suite();

    /** The suite's analytic costs; {@code null} (the default) skips the cost checks. */
    protected CostModel costModel() {
        return null;
    }

    /** The longest any receive waits in a run of the harness. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** The counter name under which the suite counts {@code op} (reveals count as {@code open}). */
    protected String counterName(final String op) {
        return switch (op) {
            case "reveal", "revealTo", "open" -> "open";
            case "inputRing" -> "input";
            default -> op;
        };
    }

    /** One run configuration: a party count and a backend name. */
    public record Config(int parties, String backend) {
        @Override
        public String toString() {
            return parties + " parties, backend " + backend;
        }
    }

    /** Every party count on every available backend. */
    public static Stream<Config> configurations() {
        final List<Config> out = new ArrayList<>();
        for (final String backend : Backends.availableNames()) {
            for (final int n : PARTY_COUNTS) {
                out.add(new Config(n, backend));
            }
        }
        return out.stream();
    }

    // =========================================================================================== in and out

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldInputAndRevealWithinHalfAnUlp(final Config c) {
        final Check chk = check(c);
        final double[] random = reals(chk.random(), 3 * 5 * 7, 1000);
        final double[] edges = {0, ULP, -ULP, ULP / 2, -ULP / 2, 1.5 * ULP, -1.5 * ULP, 1, -1, 0.1, -0.1, 1e13,
            -1e13, FP.maxMagnitude(), -FP.maxMagnitude(), Double.MIN_VALUE, -Double.MIN_VALUE, -0.0};
        final List<List<double[]>> out = run(c, ops -> {
            final List<double[]> r = new ArrayList<>();
            for (int owner = 0; owner < ops.session().parties(); owner++) {
                try (SecretTensor x = input(ops, owner, random, 3, 5, 7);
                     SecretTensor e = input(ops, owner, edges, edges.length)) {
                    assertArrayEquals(new int[] {3, 5, 7}, x.shape(), "input shape");
                    assertEquals(F, x.fracBits(), "input carries the session's fractional bits");
                    r.add(ops.reveal(x));
                    r.add(ops.reveal(e));
                }
            }
            return r;
        });
        final List<double[]> agreed = chk.agreedReals(out);
        for (int owner = 0; owner < c.parties(); owner++) {
            chk.encodedExactly("input/reveal random, owner " + owner, random, agreed.get(2 * owner));
            chk.encodedExactly("input/reveal edges, owner " + owner, edges, agreed.get(2 * owner + 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldInputRingValuesAndOpenThemExactly(final Config c) {
        final Check chk = check(c);
        final long[] random = chk.random().longs(4 * 9).toArray();
        final long[] edges = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 62, -(1L << 62), MAX_RING, -MAX_RING,
            0x5555_5555_5555_5555L, 0xAAAA_AAAA_AAAA_AAAAL};
        final int[] scales = {0, F, 40, 62};
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            for (int i = 0; i < scales.length; i++) {
                final int owner = i % ops.session().parties();
                try (SecretTensor x = inputRing(ops, owner, random, scales[i], 4, 9);
                     SecretTensor e = inputRing(ops, owner, edges, scales[i], edges.length)) {
                    assertEquals(scales[i], x.fracBits(), "inputRing keeps the declared fractional bits");
                    assertArrayEquals(new int[] {4, 9}, x.shape(), "inputRing shape");
                    r.add(open(ops, x));
                    r.add(open(ops, e));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < scales.length; i++) {
            chk.ringEquals("open(inputRing) random, fracBits " + scales[i], random, agreed.get(2 * i));
            chk.ringEquals("open(inputRing) edges, fracBits " + scales[i], edges, agreed.get(2 * i + 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldHandleScalarAndEmptyTensors(final Config c) {
        final Check chk = check(c);
        final double[] one = {-3.25};
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            try (SecretTensor s = input(ops, 0, one);
                 SecretTensor t = input(ops, ops.session().parties() - 1, new double[] {2.5});
                 SecretTensor sum = ops.add(s, t);
                 SecretTensor prod = ops.mul(s, t);
                 SecretTensor empty = input(ops, 0, new double[0], 0, 3);
                 SecretTensor emptySum = ops.add(empty, empty);
                 SecretTensor emptyProd = ops.mul(empty, empty)) {
                assertArrayEquals(new int[0], sum.shape(), "rank-0 shape");
                r.add(open(ops, sum));
                r.add(open(ops, prod));
                assertArrayEquals(new int[] {0, 3}, emptyProd.shape(), "empty shape");
                r.add(open(ops, emptySum));
                r.add(open(ops, emptyProd));
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        chk.ringEquals("rank-0 add", new long[] {FP.encode(-0.75)}, agreed.get(0));
        chk.truncated("rank-0 mul", new long[] {FP.encode(-3.25) * FP.encode(2.5)}, F, agreed.get(1));
        chk.ringEquals("empty add", new long[0], agreed.get(2));
        chk.ringEquals("empty mul", new long[0], agreed.get(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldShareConstantsWithoutCommunication(final Config c) {
        final Check chk = check(c);
        final double[] values = concat(reals(chk.random(), 11, 1e6),
            new double[] {0, ULP, -ULP, 1, -1, FP.maxMagnitude(), -FP.maxMagnitude()});
        final List<List<double[]>> out = run(c, ops -> {
            final Counters before = ops.session().stats().total();
            try (SecretTensor k = ops.constant(values, values.length)) {
                final Counters cost = ops.session().stats().total().minus(before);
                assertEquals(0, cost.rounds() + cost.bytesSent() + cost.dealerBytes(),
                    "a constant needs no communication: " + cost);
                assertEquals(F, k.fracBits(), "constant fractional bits");
                return List.of(ops.reveal(k));
            }
        });
        chk.encodedExactly("constant", values, chk.agreedReals(out).get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldRevealToOnePartyOnly(final Config c) {
        final Check chk = check(c);
        final double[] values = reals(chk.random(), 2 * 13, 500);
        final List<List<double[]>> out = run(c, ops -> {
            final List<double[]> r = new ArrayList<>();
            final int n = ops.session().parties();
            try (SecretTensor x = input(ops, n - 1, values, 2, 13)) {
                for (int target = 0; target < n; target++) {
                    r.add(ops.revealTo(target, x));
                }
                assertThrows(IllegalArgumentException.class, () -> ops.revealTo(n, x), "no such party");
                assertThrows(IllegalArgumentException.class, () -> ops.revealTo(-1, x), "no such party");
            }
            return r;
        });
        for (int party = 0; party < c.parties(); party++) {
            for (int target = 0; target < c.parties(); target++) {
                final double[] got = out.get(party).get(target);
                if (party == target) {
                    assertNotNull(got, chk.msg("party " + party + " is the target of revealTo and gets values"));
                    chk.encodedExactly("revealTo(" + target + ")", values, got);
                } else {
                    assertNull(got, chk.msg("party " + party + " is not the target of revealTo(" + target
                        + ") and must get null"));
                }
            }
        }
    }

    // ================================================================================== local linear operations

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldAddSubtractAndNegateWithBroadcasting(final Config c) {
        final Check chk = check(c);
        final int[][][] shapes = {
            {{4, 1, 3}, {5, 1}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{}, {2, 2}}, {{6}, {6}}, {{2, 1}, {1, 2}},
        };
        final SplittableRandom rnd = chk.random();
        final List<double[]> as = new ArrayList<>();
        final List<double[]> bs = new ArrayList<>();
        for (final int[][] s : shapes) {
            as.add(reals(rnd, (int) Shapes.numel(s[0]), 1000));
            bs.add(reals(rnd, (int) Shapes.numel(s[1]), 1000));
        }
        final long[] ringA = rnd.longs(17).toArray();
        final long[] ringB = rnd.longs(17).toArray();
        ringA[0] = Long.MAX_VALUE;
        ringB[0] = 1;
        ringA[1] = Long.MIN_VALUE;
        ringB[1] = Long.MIN_VALUE;
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            final int last = ops.session().parties() - 1;
            for (int i = 0; i < shapes.length; i++) {
                try (SecretTensor a = input(ops, 0, as.get(i), shapes[i][0]);
                     SecretTensor b = input(ops, last, bs.get(i), shapes[i][1]);
                     SecretTensor sum = ops.add(a, b);
                     SecretTensor diff = ops.sub(a, b);
                     SecretTensor neg = ops.neg(a)) {
                    assertArrayEquals(Shapes.broadcast(shapes[i][0], shapes[i][1]), sum.shape(), "add shape");
                    assertEquals(F, sum.fracBits(), "add scale");
                    r.add(open(ops, sum));
                    r.add(open(ops, diff));
                    r.add(open(ops, neg));
                }
            }
            try (SecretTensor a = inputRing(ops, 1, ringA, 0, 17);
                 SecretTensor b = inputRing(ops, 0, ringB, 0, 17);
                 SecretTensor sum = ops.add(a, b);
                 SecretTensor diff = ops.sub(a, b);
                 SecretTensor neg = ops.neg(a)) {
                r.add(open(ops, sum));
                r.add(open(ops, diff));
                r.add(open(ops, neg));
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        int k = 0;
        for (int i = 0; i < shapes.length; i++) {
            final int[] sa = shapes[i][0];
            final int[] sb = shapes[i][1];
            final String what = " of " + Shapes.toString(sa) + " and " + Shapes.toString(sb);
            final double[] a = as.get(i);
            final double[] b = bs.get(i);
            final long[] ea = encode(a);
            final long[] eb = encode(b);
            final long[] sum = agreed.get(k++);
            final long[] diff = agreed.get(k++);
            final long[] neg = agreed.get(k++);
            chk.ringEquals("add" + what, PlaintextReference.addWrapping(ea, sa, eb, sb, 1), sum);
            chk.ringEquals("sub" + what, PlaintextReference.addWrapping(ea, sa, eb, sb, -1), diff);
            chk.ringEquals("neg" + what, negate(ea), neg);
            chk.close("add" + what + " vs double", PlaintextReference.addReal(a, sa, b, sb, 1), decode(sum, F),
                ErrorBounds.linear(ULP, 2));
            chk.close("sub" + what + " vs double", PlaintextReference.addReal(a, sa, b, sb, -1), decode(diff, F),
                ErrorBounds.linear(ULP, 2));
            chk.close("neg" + what + " vs double", negate(a), decode(neg, F), ErrorBounds.linear(ULP, 1));
        }
        final int[] s17 = {17};
        chk.ringEquals("add wraps modulo 2^64", PlaintextReference.addWrapping(ringA, s17, ringB, s17, 1),
            agreed.get(k++));
        chk.ringEquals("sub wraps modulo 2^64", PlaintextReference.addWrapping(ringA, s17, ringB, s17, -1),
            agreed.get(k++));
        chk.ringEquals("neg wraps modulo 2^64", negate(ringA), agreed.get(k));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldAddPublicTensorsWithBroadcasting(final Config c) {
        final Check chk = check(c);
        final int[][][] shapes = {{{2, 3}, {3}}, {{3}, {2, 3}}, {{4, 1}, {1, 5}}, {{7}, {7}}};
        final SplittableRandom rnd = chk.random();
        final List<double[]> as = new ArrayList<>();
        final List<double[]> ps = new ArrayList<>();
        for (final int[][] s : shapes) {
            as.add(reals(rnd, (int) Shapes.numel(s[0]), 100));
            ps.add(reals(rnd, (int) Shapes.numel(s[1]), 100));
        }
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            for (int i = 0; i < shapes.length; i++) {
                try (SecretTensor a = input(ops, i % ops.session().parties(), as.get(i), shapes[i][0]);
                     RingTensor p = RingTensor.of(encode(ps.get(i)), shapes[i][1]);
                     SecretTensor sum = ops.addPublic(a, p)) {
                    assertArrayEquals(Shapes.broadcast(shapes[i][0], shapes[i][1]), sum.shape(), "addPublic shape");
                    r.add(open(ops, sum));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < shapes.length; i++) {
            final String what = "addPublic of " + Shapes.toString(shapes[i][0]) + " and " + Shapes.toString(
                shapes[i][1]);
            chk.ringEquals(what, PlaintextReference.addWrapping(encode(as.get(i)), shapes[i][0], encode(ps.get(i)),
                shapes[i][1], 1), agreed.get(i));
            chk.close(what + " vs double", PlaintextReference.addReal(as.get(i), shapes[i][0], ps.get(i),
                shapes[i][1], 1), decode(agreed.get(i), F), ErrorBounds.linear(ULP, 2));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyByIntegersAndSumExactly(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final int[] shape = {3, 4, 5};
        final double[] a = reals(rnd, 60, 100);
        final long[] ring = rnd.longs(60).toArray();
        final long[] ks = {-3, 0, 1, 7, 1L << 40, Long.MIN_VALUE, -1};
        final int[] axes = {0, 1, 2, -1};
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            try (SecretTensor x = input(ops, 0, a, shape); SecretTensor y = inputRing(ops, 1, ring, 0, shape)) {
                for (final long k : ks) {
                    try (SecretTensor kx = ops.mulInteger(x, k); SecretTensor ky = ops.mulInteger(y, k)) {
                        assertEquals(F, kx.fracBits(), "mulInteger keeps the scale");
                        r.add(open(ops, kx));
                        r.add(open(ops, ky));
                    }
                }
                for (final int axis : axes) {
                    try (SecretTensor sx = ops.sum(x, axis); SecretTensor sy = ops.sum(y, axis)) {
                        assertArrayEquals(PlaintextReference.removeAxis(shape, axis), sx.shape(), "sum shape");
                        r.add(open(ops, sx));
                        r.add(open(ops, sy));
                    }
                }
                assertThrows(IllegalArgumentException.class, () -> ops.sum(x, 3), "axis out of range");
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        final long[] ea = encode(a);
        int i = 0;
        for (final long k : ks) {
            final long[] kx = agreed.get(i++);
            chk.ringEquals("mulInteger by " + k, scale(ea, k), kx);
            chk.ringEquals("mulInteger by " + k + " wraps", scale(ring, k), agreed.get(i++));
            if (k > -1000 && k < 1000) {
                chk.close("mulInteger by " + k + " vs double", scaleReal(a, k), decode(kx, F),
                    ErrorBounds.linear(ULP, Math.abs(k)));
            }
        }
        for (final int axis : axes) {
            final long[] sx = agreed.get(i++);
            chk.ringEquals("sum over axis " + axis, PlaintextReference.sumWrapping(ea, shape, axis), sx);
            chk.ringEquals("sum over axis " + axis + " wraps", PlaintextReference.sumWrapping(ring, shape, axis),
                agreed.get(i++));
            final int len = shape[axis < 0 ? shape.length + axis : axis];
            chk.close("sum over axis " + axis + " vs double", sumReal(a, shape, axis), decode(sx, F),
                ErrorBounds.linear(ULP, len));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyByPublicTensors(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        // {a shape, p shape}, p fractional bits
        final int[][][] shapes = {{{3, 4}, {4}}, {{5}, {3, 5}}, {{2, 3}, {2, 3}}, {{2, 1, 3}, {4, 1}}};
        final int[] pScales = {F, F, 0, 8};
        final List<double[]> as = new ArrayList<>();
        final List<double[]> ps = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            as.add(reals(rnd, (int) Shapes.numel(shapes[i][0]), 100));
            ps.add(pScales[i] == 0 ? integers(rnd, (int) Shapes.numel(shapes[i][1]), 1000)
                : reals(rnd, (int) Shapes.numel(shapes[i][1]), 100));
        }
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            for (int i = 0; i < shapes.length; i++) {
                try (SecretTensor a = input(ops, 0, as.get(i), shapes[i][0]);
                     RingTensor p = RingTensor.of(encode(ps.get(i), pScales[i]), shapes[i][1]);
                     SecretTensor z = ops.mulPublic(a, p, pScales[i])) {
                    assertEquals(F, z.fracBits(), "mulPublic result scale");
                    assertArrayEquals(Shapes.broadcast(shapes[i][0], shapes[i][1]), z.shape(), "mulPublic shape");
                    r.add(open(ops, z));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < shapes.length; i++) {
            final Terms t = PlaintextReference.broadcastMul(shapes[i][0], shapes[i][1]);
            chk.product("mulPublic " + Shapes.toString(shapes[i][0]) + " x " + Shapes.toString(shapes[i][1])
                    + " (p fracBits " + pScales[i] + ")", t, as.get(i), F, ps.get(i), pScales[i], agreed.get(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyByPublicMatrices(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final List<MatmulCase> cases = new ArrayList<>();
        for (final boolean ta : new boolean[] {false, true}) {
            for (final boolean tb : new boolean[] {false, true}) {
                cases.add(MatmulCase.of(rnd, 1, 3, 5, 4, ta, tb, false, F, F));
            }
        }
        cases.add(MatmulCase.of(rnd, 2, 3, 5, 4, false, false, false, F, F));
        cases.add(MatmulCase.of(rnd, 2, 3, 5, 4, true, true, true, F, F));
        cases.add(MatmulCase.of(rnd, 1, 4, 6, 3, false, true, false, F, 0));
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            for (final MatmulCase m : cases) {
                try (SecretTensor a = input(ops, 0, m.x, m.shapeX);
                     RingTensor p = RingTensor.of(encode(m.y, m.fracY), m.shapeY);
                     SecretTensor z = ops.matmulPublic(a, p, m.fracY, m.transX, m.transY)) {
                    assertArrayEquals(m.shapeZ(), z.shape(), "matmulPublic shape, " + m);
                    r.add(open(ops, z));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < cases.size(); i++) {
            final MatmulCase m = cases.get(i);
            chk.product("matmulPublic " + m, m.terms(), m.x, F, m.y, m.fracY, agreed.get(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldRejectMismatchedShapesAndScales(final Config c) {
        run(c, ops -> {
            try (SecretTensor a = input(ops, 0, new double[] {1, 2, 3}, 3);
                 SecretTensor b = input(ops, 0, new double[] {1, 2, 3, 4}, 4);
                 SecretTensor i = inputRing(ops, 0, new long[] {1, 2, 3}, 0, 3);
                 SecretTensor m = input(ops, 0, new double[6], 2, 3);
                 SecretTensor img = input(ops, 0, new double[2 * 5 * 5], 1, 2, 5, 5);
                 SecretTensor w = input(ops, 0, new double[3 * 3 * 3], 1, 3, 3, 3)) {
                assertThrows(IllegalArgumentException.class, () -> ops.add(a, b), "add of [3] and [4]");
                assertThrows(IllegalArgumentException.class, () -> ops.add(a, i), "add of scales 16 and 0");
                assertThrows(IllegalArgumentException.class, () -> ops.sub(a, i), "sub of scales 16 and 0");
                assertThrows(IllegalArgumentException.class, () -> ops.mul(a, b), "mul of [3] and [4]");
                assertThrows(IllegalArgumentException.class, () -> ops.matmul(m, m, false, false),
                    "matmul of [2,3] and [2,3]");
                assertThrows(IllegalArgumentException.class, () -> ops.conv2d(img, w, Conv2dSpec.of(1, 0)),
                    "conv2d with 2 input channels and a 3-channel kernel");
                assertThrows(IllegalArgumentException.class, () -> ops.where(a, a, a), "where with a fixed-point"
                    + " condition");
                if (ops.session().partyId() == 0) {
                    // Only the owner knows the values; it refuses before sharing anything.
                    assertThrows(IllegalArgumentException.class, () -> ops.input(0, new double[2], 3),
                        "owner passes 2 values for [3]");
                }
            }
            return null;
        });
    }

    // ====================================================================================== Beaver products

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyElementwiseWithinOneUlp(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final int[] shape = {7, 9};
        final int n = 63;
        final double[] a = reals(rnd, n, 100);
        final double[] b = reals(rnd, n, 100);
        final double[] ints = integers(rnd, n, 1000);
        final double[] b8 = reals(rnd, n, 100);
        final long[] ringA = rnd.longs(n).toArray();
        final long[] ringB = rnd.longs(n).toArray();
        final List<List<long[]>> out = run(c, ops -> {
            final int last = ops.session().parties() - 1;
            try (SecretTensor x = input(ops, 0, a, shape);
                 SecretTensor y = input(ops, last, b, shape);
                 SecretTensor k = inputRing(ops, 1, encode(ints, 0), 0, shape);
                 SecretTensor y8 = inputRing(ops, last, encode(b8, 8), 8, shape);
                 SecretTensor ra = inputRing(ops, 0, ringA, 0, shape);
                 SecretTensor rb = inputRing(ops, last, ringB, 0, shape);
                 SecretTensor xy = ops.mul(x, y);
                 SecretTensor kx = ops.mul(k, x);
                 SecretTensor xk = ops.mul(x, k);
                 SecretTensor x8 = ops.mul(x, y8);
                 SecretTensor rr = ops.mul(ra, rb)) {
                assertEquals(F, xy.fracBits(), "fixed x fixed is fixed");
                assertEquals(F, kx.fracBits(), "integer x fixed is fixed");
                assertEquals(F, x8.fracBits(), "16 + 8 fractional bits are truncated to 16");
                assertEquals(0, rr.fracBits(), "integer x integer is integer");
                return List.of(open(ops, xy), open(ops, kx), open(ops, xk), open(ops, x8), open(ops, rr));
            }
        });
        final List<long[]> r = chk.agreed(out);
        final Terms t = PlaintextReference.broadcastMul(shape, shape);
        chk.product("mul fixed x fixed", t, a, F, b, F, r.get(0));
        chk.product("mul integer x fixed", t, ints, 0, a, F, r.get(1));
        chk.product("mul fixed x integer", t, a, F, ints, 0, r.get(2));
        chk.product("mul 16 x 8 fractional bits", t, a, F, b8, 8, r.get(3));
        chk.ringEquals("mul integer x integer wraps modulo 2^64", PlaintextReference.wrapping(t, ringA, ringB),
            r.get(4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyEdgeValues(final Config c) {
        final Check chk = check(c);
        final long m = MAX_SQUARE_FACTOR;
        // Encoded fixed-point factors whose exact product stays below 2^62 in magnitude.
        final long[][] pairs = {
            {0, 0}, {0, MAX_RING}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}, {m, m}, {-m, m}, {-m, -m}, {m, -m},
            {MAX_RING, 1}, {-MAX_RING, 1}, {MAX_RING, -1}, {-MAX_RING, -1}, {(1L << 61) - 1, 2}, {-(1L << 61) + 1, 2},
            {(1L << 56) - 1, 31}, {1L << 16, -(1L << 16)}, {65535, 65537}, {-65535, 65537}, {3, 21845},
            {-3, 21845}, {1L << 45, 1L << 16}, {-(1L << 45), -(1L << 16)}, {(1L << 46) - 1, 1L << 15},
        };
        final long[] xs = new long[pairs.length];
        final long[] ys = new long[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            xs[i] = pairs[i][0];
            ys[i] = pairs[i][1];
            assertTrue(Math.abs(Math.multiplyExact(xs[i], ys[i])) <= MAX_RING, "test bug: product out of range");
        }
        final List<List<long[]>> out = run(c, ops -> {
            try (SecretTensor x = inputRing(ops, 0, xs, F, xs.length);
                 SecretTensor y = inputRing(ops, ops.session().parties() - 1, ys, F, ys.length);
                 SecretTensor z = ops.mul(x, y)) {
                return List.of(open(ops, z));
            }
        });
        final Terms t = PlaintextReference.broadcastMul(new int[] {xs.length}, new int[] {xs.length});
        chk.truncated("mul edge values", PlaintextReference.exact(t, xs, ys), F, chk.agreed(out).get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyMatricesInEveryLayout(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final List<MatmulCase> cases = new ArrayList<>();
        for (final boolean ta : new boolean[] {false, true}) {
            for (final boolean tb : new boolean[] {false, true}) {
                cases.add(MatmulCase.of(rnd, 1, 3, 5, 4, ta, tb, false, F, F));
                cases.add(MatmulCase.of(rnd, 2, 3, 5, 4, ta, tb, true, F, F));
                cases.add(MatmulCase.of(rnd, 3, 2, 7, 3, ta, tb, false, F, F));
            }
        }
        cases.add(MatmulCase.of(rnd, 1, 1, 33, 1, false, false, false, F, F));
        cases.add(MatmulCase.of(rnd, 1, 6, 1, 5, false, false, false, F, F));
        cases.add(MatmulCase.of(rnd, 1, 4, 6, 3, false, false, false, 0, F));
        cases.add(MatmulCase.of(rnd, 2, 4, 6, 3, true, false, true, F, 0));
        final MatmulCase ring = MatmulCase.of(rnd, 1, 3, 4, 2, false, false, false, 0, 0);
        final long[] ringX = rnd.longs(ring.x.length).toArray();
        final long[] ringY = rnd.longs(ring.y.length).toArray();
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            final int last = ops.session().parties() - 1;
            for (final MatmulCase m : cases) {
                try (SecretTensor a = inputRing(ops, 0, encode(m.x, m.fracX), m.fracX, m.shapeX);
                     SecretTensor b = inputRing(ops, last, encode(m.y, m.fracY), m.fracY, m.shapeY);
                     SecretTensor z = ops.matmul(a, b, m.transX, m.transY)) {
                    assertArrayEquals(m.shapeZ(), z.shape(), "matmul shape, " + m);
                    r.add(open(ops, z));
                }
            }
            try (SecretTensor a = inputRing(ops, 0, ringX, 0, ring.shapeX);
                 SecretTensor b = inputRing(ops, last, ringY, 0, ring.shapeY);
                 SecretTensor z = ops.matmul(a, b, false, false)) {
                r.add(open(ops, z));
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < cases.size(); i++) {
            final MatmulCase m = cases.get(i);
            chk.product("matmul " + m, m.terms(), m.x, m.fracX, m.y, m.fracY, agreed.get(i));
        }
        chk.ringEquals("integer matmul wraps modulo 2^64", PlaintextReference.wrapping(ring.terms(), ringX, ringY),
            agreed.get(cases.size()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyMatricesOfLargestMagnitude(final Config c) {
        final Check chk = check(c);
        final long big = (1L << 30) - 1;
        // [2,3] x [3,2]: every output sums 3 products of magnitude below 2^60, so stays below 2^62.
        final long[] x = {big, big, big, -big, -big, -big};
        final long[] y = {big, -big, big, big, -big, 1};
        final List<List<long[]>> out = run(c, ops -> {
            try (SecretTensor a = inputRing(ops, 0, x, F, 2, 3);
                 SecretTensor b = inputRing(ops, 1, y, F, 3, 2);
                 SecretTensor z = ops.matmul(a, b, false, false)) {
                return List.of(open(ops, z));
            }
        });
        chk.truncated("matmul of the largest magnitudes",
            PlaintextReference.exact(PlaintextReference.matmul(new int[] {2, 3}, new int[] {3, 2}, false, false), x,
                y), F, chk.agreed(out).get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldConvolveForEveryGeometry(final Config c) {
        final Check chk = check(c);
        final List<ConvCase> cases = ConvCase.all(chk.random());
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            final int last = ops.session().parties() - 1;
            for (final ConvCase k : cases) {
                try (SecretTensor in = input(ops, 0, k.input, k.inShape);
                     SecretTensor w = input(ops, last, k.weight, k.wShape);
                     SecretTensor z = ops.conv2d(in, w, k.spec)) {
                    assertArrayEquals(k.outShape(), z.shape(), "conv2d shape, " + k);
                    r.add(open(ops, z));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < cases.size(); i++) {
            final ConvCase k = cases.get(i);
            chk.product("conv2d " + k, PlaintextReference.conv2d(k.inShape, k.wShape, k.spec), k.input, F, k.weight,
                F, agreed.get(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldComputeBothConvolutionGradients(final Config c) {
        final Check chk = check(c);
        final List<ConvCase> cases = ConvCase.all(chk.random());
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            final int last = ops.session().parties() - 1;
            for (final ConvCase k : cases) {
                try (SecretTensor in = input(ops, 0, k.input, k.inShape);
                     SecretTensor w = input(ops, last, k.weight, k.wShape);
                     SecretTensor g = input(ops, 1, k.gradOut, k.outShape());
                     SecretTensor gi = ops.conv2dBackwardInput(g, w, k.spec, k.inShape);
                     SecretTensor gw = ops.conv2dBackwardWeight(in, g, k.spec, k.wShape)) {
                    assertArrayEquals(k.inShape, gi.shape(), "input gradient shape, " + k);
                    assertArrayEquals(k.wShape, gw.shape(), "weight gradient shape, " + k);
                    r.add(open(ops, gi));
                    r.add(open(ops, gw));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < cases.size(); i++) {
            final ConvCase k = cases.get(i);
            chk.product("conv2dBackwardInput " + k, PlaintextReference.conv2dBackwardInput(k.inShape, k.wShape,
                k.spec), k.gradOut, F, k.weight, F, agreed.get(2 * i));
            chk.product("conv2dBackwardWeight " + k, PlaintextReference.conv2dBackwardWeight(k.inShape, k.wShape,
                k.spec), k.input, F, k.gradOut, F, agreed.get(2 * i + 1));
        }
    }

    // =========================================================================================== truncation

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldTruncateWithinOneUlpOverTheWholeRange(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final int[][] scaleAndBits = {{32, 16}, {F, F}, {F, 1}, {40, 33}, {62, 62}, {62, 8}};
        final List<long[]> inputs = new ArrayList<>();
        for (final int[] sb : scaleAndBits) {
            final int k = sb[1];
            final long p = 1L << k;
            final long[] edges = {0, 1, -1, p - 1, p, p + 1, -p + 1, -p, -p - 1, MAX_RING, -MAX_RING, MAX_RING - p,
                -MAX_RING + p, 1L << 61, -(1L << 61)};
            // Only values inside the range |x| < 2^62 (p = 2^62 itself is outside for k = 62).
            inputs.add(concat(spreadInRange(rnd, 500),
                Arrays.stream(edges).filter(v -> v <= MAX_RING && v >= -MAX_RING).toArray()));
        }
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            for (int i = 0; i < scaleAndBits.length; i++) {
                final long[] x = inputs.get(i);
                try (SecretTensor s = inputRing(ops, i % ops.session().parties(), x, scaleAndBits[i][0], x.length);
                     SecretTensor t = ops.truncate(s, scaleAndBits[i][1])) {
                    assertEquals(scaleAndBits[i][0] - scaleAndBits[i][1], t.fracBits(), "truncate result scale");
                    r.add(open(ops, t));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < scaleAndBits.length; i++) {
            chk.truncated("truncate by " + scaleAndBits[i][1] + " of fracBits " + scaleAndBits[i][0], inputs.get(i),
                scaleAndBits[i][1], agreed.get(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldRejectTruncationsOutsideTheScale(final Config c) {
        run(c, ops -> {
            try (SecretTensor x = input(ops, 0, new double[] {1, 2}, 2);
                 SecretTensor i = inputRing(ops, 0, new long[] {1, 2}, 0, 2)) {
                assertThrows(IllegalArgumentException.class, () -> ops.truncate(x, 0), "truncate by 0");
                assertThrows(IllegalArgumentException.class, () -> ops.truncate(x, F + 1), "truncate below 0 bits");
                assertThrows(IllegalArgumentException.class, () -> ops.truncate(i, 1), "truncate an integer");
            }
            return null;
        });
    }

    // =========================================================================================== comparison

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldCompareSignsExactlyInRange(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final long[] x = concat(spreadInRange(rnd, 300), encode(reals(rnd, 100, 1000)),
            new long[] {0, 1, -1, 2, -2, MAX_RING, -MAX_RING, 1L << 61, -(1L << 61), 1L << 32, -(1L << 32),
                FP.encode(FP.maxMagnitude()), FP.encode(-FP.maxMagnitude()), FP.one(), -FP.one()});
        final List<List<long[]>> out = run(c, ops -> {
            try (SecretTensor s = inputRing(ops, ops.session().parties() - 1, x, F, x.length);
                 SecretTensor ltz = ops.lessThanZero(s);
                 SecretTensor ge = ops.reluDerivative(s);
                 SecretTensor relu = ops.relu(s)) {
                assertEquals(0, ltz.fracBits(), "lessThanZero is a 0/1 integer");
                assertEquals(0, ge.fracBits(), "reluDerivative is a 0/1 integer");
                assertEquals(F, relu.fracBits(), "relu keeps the scale");
                return List.of(open(ops, ltz), open(ops, ge), open(ops, relu));
            }
        });
        final List<long[]> r = chk.agreed(out);
        chk.ringEquals("lessThanZero", map(x, v -> v < 0 ? 1 : 0), r.get(0));
        chk.ringEquals("reluDerivative", map(x, v -> v >= 0 ? 1 : 0), r.get(1));
        chk.ringEquals("relu", map(x, v -> Math.max(v, 0)), r.get(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldCompareEveryRingValueExactly(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        // SecureOps.lessThanZero: "exact for every ring value", not only the fixed-point range.
        final long[] x = concat(rnd.longs(200).toArray(), new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 1,
            Long.MAX_VALUE, Long.MAX_VALUE - 1, 1L << 62, -(1L << 62), (1L << 62) + 1, -(1L << 62) - 1,
            0xC000_0000_0000_0000L, 0x4000_0000_0000_0001L, 0, -1, 1});
        final List<List<long[]>> out = run(c, ops -> {
            try (SecretTensor s = inputRing(ops, 0, x, 0, x.length);
                 SecretTensor ltz = ops.lessThanZero(s);
                 SecretTensor ge = ops.reluDerivative(s)) {
                return List.of(open(ops, ltz), open(ops, ge));
            }
        });
        final List<long[]> r = chk.agreed(out);
        chk.ringEquals("lessThanZero over the whole ring", map(x, v -> v < 0 ? 1 : 0), r.get(0));
        chk.ringEquals("reluDerivative over the whole ring", map(x, v -> v >= 0 ? 1 : 0), r.get(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldSelectWithWhereExactly(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final int n = 40;
        final long[] cond = new long[n];
        for (int i = 0; i < n; i++) {
            cond[i] = rnd.nextInt(2);
        }
        final long[] a = concat(encode(reals(rnd, n - 4, 1000)), new long[] {MAX_RING, -MAX_RING, 0, 1});
        final long[] b = concat(encode(reals(rnd, n - 4, 1000)), new long[] {-MAX_RING, MAX_RING, -1, 0});
        final List<List<long[]>> out = run(c, ops -> {
            try (SecretTensor k = inputRing(ops, 1, cond, 0, n);
                 SecretTensor x = inputRing(ops, 0, a, F, n);
                 SecretTensor y = inputRing(ops, ops.session().parties() - 1, b, F, n);
                 SecretTensor z = ops.where(k, x, y)) {
                assertEquals(F, z.fracBits(), "where keeps the scale of its branches");
                return List.of(open(ops, z));
            }
        });
        final long[] expected = new long[n];
        for (int i = 0; i < n; i++) {
            expected[i] = cond[i] == 1 ? a[i] : b[i];
        }
        chk.ringEquals("where", expected, chk.agreed(out).get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldTakeElementwiseMaximumExactly(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final long[] a = concat(encode(reals(rnd, 50, 1000)), encode(integers(rnd, 20, 2)),
            new long[] {MAX_RING, -MAX_RING, MAX_RING, 0, 0, -1, 1});
        final long[] b = concat(encode(reals(rnd, 50, 1000)), encode(integers(rnd, 20, 2)),
            new long[] {-MAX_RING, MAX_RING, MAX_RING, 0, -1, 0, 1});
        final List<List<long[]>> out = run(c, ops -> {
            try (SecretTensor x = inputRing(ops, 0, a, F, a.length);
                 SecretTensor y = inputRing(ops, 1, b, F, b.length);
                 SecretTensor z = ops.max(x, y)) {
                assertEquals(F, z.fracBits(), "max keeps the scale");
                return List.of(open(ops, z));
            }
        });
        final long[] expected = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            expected[i] = Math.max(a[i], b[i]);
        }
        chk.ringEquals("max", expected, chk.agreed(out).get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMaxPoolWithOneHotArgmaxMasks(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final int[] shape = {2, 3, 6, 7};
        final int numel = (int) Shapes.numel(shape);
        // Half the values from {-1, 0, 1} so that windows have ties; the rest spread.
        final long[] x = new long[numel];
        for (int i = 0; i < numel; i++) {
            x[i] = rnd.nextBoolean() ? FP.encode(rnd.nextInt(3) - 1) : FP.encode(rnd.nextDouble(-1000, 1000));
        }
        x[0] = MAX_RING;
        x[1] = -MAX_RING;
        final int[][] windows = {{2, 2, 2, 2}, {3, 3, 1, 1}, {2, 3, 2, 1}, {1, 1, 1, 1}, {6, 7, 1, 1}};
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            try (SecretTensor in = inputRing(ops, 0, x, F, shape)) {
                for (final int[] w : windows) {
                    try (SecureOps.MaxPoolResult p = ops.maxPool2d(in, w[0], w[1], w[2], w[3])) {
                        final int oh = (shape[2] - w[0]) / w[2] + 1;
                        final int ow = (shape[3] - w[1]) / w[3] + 1;
                        assertArrayEquals(new int[] {2, 3, oh, ow}, p.values().shape(), "max-pool shape");
                        assertArrayEquals(new int[] {2, 3, oh, ow, w[0] * w[1]}, p.argmaxMask().shape(),
                            "max-pool mask shape");
                        assertEquals(F, p.values().fracBits(), "max-pool keeps the scale");
                        assertEquals(0, p.argmaxMask().fracBits(), "the mask is 0/1 integers");
                        r.add(open(ops, p.values()));
                        r.add(open(ops, p.argmaxMask()));
                    }
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int wi = 0; wi < windows.length; wi++) {
            final int[] w = windows[wi];
            final String what = "maxPool2d " + w[0] + "x" + w[1] + " stride " + w[2] + "," + w[3];
            final long[] values = agreed.get(2 * wi);
            final long[] mask = agreed.get(2 * wi + 1);
            final int oh = (shape[2] - w[0]) / w[2] + 1;
            final int ow = (shape[3] - w[1]) / w[3] + 1;
            final int win = w[0] * w[1];
            int o = 0;
            for (int nc = 0; nc < shape[0] * shape[1]; nc++) {
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++, o++) {
                        long max = Long.MIN_VALUE;
                        final long[] window = new long[win];
                        for (int i = 0; i < w[0]; i++) {
                            for (int j = 0; j < w[1]; j++) {
                                final long v = x[(nc * shape[2] + y * w[2] + i) * shape[3] + xx * w[3] + j];
                                window[i * w[1] + j] = v;
                                max = Math.max(max, v);
                            }
                        }
                        if (values[o] != max) {
                            fail(chk.msg(what + ": window " + o + " max " + values[o] + " != " + max));
                        }
                        int ones = 0;
                        for (int e = 0; e < win; e++) {
                            final long bit = mask[o * win + e];
                            if (bit != 0 && bit != 1) {
                                fail(chk.msg(what + ": mask of window " + o + " is not 0/1: " + bit));
                            }
                            if (bit == 1) {
                                ones++;
                                if (window[e] != max) {
                                    fail(chk.msg(what + ": mask of window " + o + " marks " + window[e]
                                        + ", not the maximum " + max));
                                }
                            }
                        }
                        if (ones != 1) {
                            fail(chk.msg(what + ": mask of window " + o + " has " + ones + " ones, not 1"));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldFindArgmaxWithTheFirstMaximumWinningTies(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final int[][] shapes = {{5, 7}, {2, 3, 4}, {9}, {4, 1}, {3, 10}};
        final List<long[]> inputs = new ArrayList<>();
        for (final int[] s : shapes) {
            final int n = (int) Shapes.numel(s);
            final long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextInt(4) == 0 ? FP.encode(rnd.nextInt(3)) : FP.encode(rnd.nextDouble(-100, 2));
            }
            inputs.add(v);
        }
        inputs.set(4, new long[] {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            -5, -5, 3, 3, -5, 3, 0, 0, 0, 3,
            MAX_RING, -MAX_RING, 0, MAX_RING, 0, 0, 0, 0, 0, MAX_RING - 1});
        final List<List<long[]>> out = run(c, ops -> {
            final List<long[]> r = new ArrayList<>();
            for (int i = 0; i < shapes.length; i++) {
                try (SecretTensor x = inputRing(ops, i % ops.session().parties(), inputs.get(i), F, shapes[i]);
                     SecretTensor z = ops.argmax(x)) {
                    assertArrayEquals(shapes[i], z.shape(), "argmax is one-hot over the last axis");
                    assertEquals(0, z.fracBits(), "argmax is 0/1 integers");
                    r.add(open(ops, z));
                }
            }
            return r;
        });
        final List<long[]> agreed = chk.agreed(out);
        for (int i = 0; i < shapes.length; i++) {
            final long[] v = inputs.get(i);
            final int len = shapes[i][shapes[i].length - 1];
            final long[] expected = new long[v.length];
            for (int row = 0; row < v.length / len; row++) {
                int best = 0;
                for (int j = 1; j < len; j++) {
                    if (v[row * len + j] > v[row * len + best]) {
                        best = j;
                    }
                }
                expected[row * len + best] = 1;
            }
            chk.ringEquals("argmax of " + Shapes.toString(shapes[i]), expected, agreed.get(i));
        }
    }

    // ======================================================================================== approximations

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldApproximateExpWithinThePublishedBound(final Config c) {
        final Check chk = check(c);
        final double lo = Approximations.EXP_DOMAIN_MIN;
        final double hi = Approximations.EXP_DOMAIN_MAX;
        // On the domain [lo, hi), then below it (the bound still holds: e^x < 2^-f) and above it (saturates). The
        // domain is that of the encoded input: hi itself encodes to a value just below hi.
        final double[] x = concat(uniform(chk.random(), 300, lo, hi), new double[] {lo, Math.nextDown(hi), hi,
            Math.nextUp(hi), 0, -1, 1, ULP, -ULP, 0.5, -0.5, hi - ULP, hi + ULP, lo + ULP, lo - ULP, -12, -20, -1000,
            12, 20, 1000});
        final List<List<double[]>> out = run(c, ops -> {
            try (SecretTensor s = input(ops, 0, x, x.length); SecretTensor e = ops.exp(s)) {
                assertEquals(F, e.fracBits(), "exp keeps the scale");
                return List.of(ops.reveal(e));
            }
        });
        final double[] got = chk.agreedReals(out).get(0);
        final double[] expected = new double[x.length];
        final double[] bounds = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            final double encoded = FP.decode(FP.encode(x[i]));
            if (encoded >= hi) {
                expected[i] = Math.scalb(1.0, 16); // saturated, exactly
            } else {
                expected[i] = Math.exp(encoded);
                bounds[i] = Approximations.EXP_RELATIVE_ERROR * expected[i] + Approximations.EXP_ABSOLUTE_ERROR;
            }
        }
        chk.approximation("exp", x, expected, got, bounds);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldApproximateReciprocalWithinThePublishedBound(final Config c) {
        final Check chk = check(c);
        final double lo = Approximations.RECIPROCAL_DOMAIN_MIN;
        final double hi = Approximations.RECIPROCAL_DOMAIN_MAX;
        final double[] x = concat(logUniform(chk.random(), 300, lo, hi), new double[] {lo, 2 * lo, 3 * lo, 1, 2,
            0.5, 3, 1 - ULP, 1 + ULP, Math.nextDown(hi), hi - ULP, 1000.5});
        // Outside the domain the input is clamped: x <= 0 and x < lo give 1/lo, x >= hi gives 1/hi.
        final double[] outside = {0, -1, -1000, hi, 1e6};
        final double[] clamped = {1 / lo, 1 / lo, 1 / lo, 1 / hi, 1 / hi};
        final List<List<double[]>> out = run(c, ops -> {
            try (SecretTensor s = input(ops, 0, x, x.length);
                 SecretTensor e = ops.reciprocal(s);
                 SecretTensor t = input(ops, 1, outside, outside.length);
                 SecretTensor cl = ops.reciprocal(t)) {
                assertEquals(F, e.fracBits(), "reciprocal keeps the scale");
                return List.of(ops.reveal(e), ops.reveal(cl));
            }
        });
        final List<double[]> got = chk.agreedReals(out);
        final double[] expected = new double[x.length];
        final double[] bounds = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = 1 / FP.decode(FP.encode(x[i]));
            bounds[i] = Approximations.RECIPROCAL_RELATIVE_ERROR * expected[i]
                + Approximations.RECIPROCAL_ABSOLUTE_ERROR;
        }
        chk.approximation("reciprocal", x, expected, got.get(0), bounds);
        final double[] clampBounds = new double[clamped.length];
        for (int i = 0; i < clamped.length; i++) {
            clampBounds[i] = Approximations.RECIPROCAL_RELATIVE_ERROR * clamped[i]
                + Approximations.RECIPROCAL_ABSOLUTE_ERROR;
        }
        chk.approximation("reciprocal outside its domain (clamped)", outside, clamped, got.get(1), clampBounds);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldApproximateSoftmaxWithinThePublishedBound(final Config c) {
        final Check chk = check(c);
        final double spread = Approximations.SOFTMAX_INPUT_RANGE;
        final SplittableRandom rnd = chk.random();
        final int rows = 8;
        final int cols = 10;
        final double[] x = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            final double offset = rnd.nextDouble(-spread / 2, spread / 2);
            for (int j = 0; j < cols; j++) {
                x[r * cols + j] = offset + rnd.nextDouble(-spread / 2, spread / 2) / 2;
            }
        }
        Arrays.fill(x, 0, cols, 1.0); // equal logits: the uniform distribution
        for (int j = 0; j < cols; j++) {
            x[cols + j] = 1e6 + j * 0.25; // large logits: the row maximum is subtracted exactly
            x[2 * cols + j] = j == 3 ? 40 : -1; // nearly one-hot
        }
        final List<List<double[]>> out = run(c, ops -> {
            try (SecretTensor s = input(ops, 0, x, rows, cols); SecretTensor e = ops.softmax(s)) {
                assertArrayEquals(new int[] {rows, cols}, e.shape(), "softmax shape");
                assertEquals(F, e.fracBits(), "softmax keeps the scale");
                return List.of(ops.reveal(e));
            }
        });
        final double[] got = chk.agreedReals(out).get(0);
        final double[] expected = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, FP.decode(FP.encode(x[r * cols + j])));
            }
            double total = 0;
            for (int j = 0; j < cols; j++) {
                expected[r * cols + j] = Math.exp(FP.decode(FP.encode(x[r * cols + j])) - max);
                total += expected[r * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                expected[r * cols + j] /= total;
            }
        }
        final double[] bounds = new double[x.length];
        Arrays.fill(bounds, Approximations.SOFTMAX_MAX_ERROR);
        chk.approximation("softmax", x, expected, got, bounds);
    }

    // ================================================================================================= cost

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldRunLocalOperationsWithoutCommunication(final Config c) {
        final List<Map<String, Counters>> out = run(c, ops -> {
            final Map<String, Counters> m = new LinkedHashMap<>();
            try (SecretTensor a = input(ops, 0, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
                 SecretTensor b = input(ops, 1, new double[] {7, 8, 9}, 3);
                 RingTensor p = RingTensor.of(new long[] {1, 2, 3}, 3);
                 RingTensor q = RingTensor.of(new long[] {1, 2, 3, 4, 5, 6}, 3, 2)) {
                m.put("constant", cost(ops, null, () -> ops.constant(new double[] {1, 2}, 2)));
                m.put("add", cost(ops, null, () -> ops.add(a, b)));
                m.put("sub", cost(ops, null, () -> ops.sub(a, b)));
                m.put("neg", cost(ops, null, () -> ops.neg(a)));
                m.put("addPublic", cost(ops, null, () -> ops.addPublic(a, p)));
                m.put("mulInteger", cost(ops, null, () -> ops.mulInteger(a, -5)));
                m.put("sum", cost(ops, null, () -> ops.sum(a, 1)));
                m.put("mulPublic by an integer", cost(ops, "mulPublic", () -> ops.mulPublic(a, p, 0)));
                m.put("matmulPublic by an integer", cost(ops, "matmulPublic",
                    () -> ops.matmulPublic(a, q, 0, false, false)));
            }
            return m;
        });
        final Check chk = check(c);
        for (int party = 0; party < c.parties(); party++) {
            for (final Map.Entry<String, Counters> e : out.get(party).entrySet()) {
                chk.cost(e.getKey(), party, Cost.FREE, e.getValue());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldInputAndOpenAtTheAnalyticCost(final Config c) {
        final CostModel model = requireCostModel();
        final int len = 37;
        final double[] v = new double[len];
        final List<Map<String, Counters>> out = run(c, ops -> {
            final Map<String, Counters> m = new LinkedHashMap<>();
            final int n = ops.session().parties();
            for (int owner = 0; owner < n; owner++) {
                final int o = owner;
                m.put("input owner " + owner, cost(ops, "input", () -> input(ops, o, v, len)));
            }
            m.put("inputRing", cost(ops, "inputRing", () -> inputRing(ops, n - 1, new long[len], 0, len)));
            try (SecretTensor x = input(ops, 0, v, len)) {
                m.put("open", cost(ops, "open", () -> ops.open(x)));
                m.put("reveal", cost(ops, "reveal", () -> ops.reveal(x)));
                for (int target = 0; target < n; target++) {
                    final int t = target;
                    m.put("revealTo " + target, cost(ops, "revealTo", () -> ops.revealTo(t, x)));
                }
            }
            return m;
        });
        final Check chk = check(c);
        final int n = c.parties();
        for (int party = 0; party < n; party++) {
            final Map<String, Counters> m = out.get(party);
            for (int owner = 0; owner < n; owner++) {
                chk.cost("input owner " + owner, party, model.input(n, party, owner, len), m.get("input owner "
                    + owner));
            }
            chk.cost("inputRing", party, model.input(n, party, n - 1, len), m.get("inputRing"));
            chk.cost("open", party, model.open(n, party, len), m.get("open"));
            chk.cost("reveal", party, model.open(n, party, len), m.get("reveal"));
            for (int target = 0; target < n; target++) {
                chk.cost("revealTo " + target, party, model.revealTo(n, party, target, len),
                    m.get("revealTo " + target));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldMultiplyAtTheAnalyticCost(final Config c) {
        final CostModel model = requireCostModel();
        final Conv2dSpec spec = Conv2dSpec.of(2, 1);
        final int[] img = {2, 3, 7, 6};
        final int[] ker = {4, 3, 3, 3};
        final int[] out2 = PlaintextReference.convOutShape(img, ker, spec);
        final List<BilinearCall> calls = List.of(
            new BilinearCall("mul", new int[] {5, 7}, new int[] {5, 7}, new int[] {5, 7}, false, false, null, F),
            new BilinearCall("mul", new int[] {5, 7}, new int[] {5, 7}, new int[] {5, 7}, false, false, null, 0),
            new BilinearCall("matmul", new int[] {3, 5}, new int[] {5, 4}, new int[] {3, 4}, false, false, null, 0),
            new BilinearCall("matmul", new int[] {5, 3}, new int[] {4, 5}, new int[] {3, 4}, true, true, null, F),
            new BilinearCall("matmul", new int[] {2, 3, 5}, new int[] {5, 4}, new int[] {2, 3, 4}, false, false,
                null, 0),
            new BilinearCall("conv2d", img, ker, out2, false, false, spec, 0),
            new BilinearCall("conv2d", img, ker, out2, false, false, spec, F),
            new BilinearCall("conv2dBackwardInput", out2, ker, img, false, false, spec, F),
            new BilinearCall("conv2dBackwardWeight", img, out2, ker, false, false, spec, 0));
        final List<List<Counters>> out = run(c, ops -> {
            final List<Counters> r = new ArrayList<>();
            for (final BilinearCall call : calls) {
                // An integer left operand keeps the product below f fractional bits: no truncation.
                final int fracX = call.truncateBits() > 0 ? F : 0;
                try (SecretTensor x = inputRing(ops, 0, new long[(int) call.numelX()], fracX, call.x());
                     SecretTensor y = inputRing(ops, 1, new long[(int) call.numelY()], F, call.y())) {
                    r.add(cost(ops, call.op(), () -> switch (call.op()) {
                        case "mul" -> ops.mul(x, y);
                        case "matmul" -> ops.matmul(x, y, call.transX(), call.transY());
                        case "conv2d" -> ops.conv2d(x, y, call.spec());
                        case "conv2dBackwardInput" -> ops.conv2dBackwardInput(x, y, call.spec(), call.z());
                        case "conv2dBackwardWeight" -> ops.conv2dBackwardWeight(x, y, call.spec(), call.z());
                        default -> throw new IllegalStateException(call.op());
                    }));
                }
            }
            return r;
        });
        final Check chk = check(c);
        for (int party = 0; party < c.parties(); party++) {
            for (int i = 0; i < calls.size(); i++) {
                final BilinearCall call = calls.get(i);
                chk.cost(call.op() + " " + Shapes.toString(call.x()) + " x " + Shapes.toString(call.y())
                        + (call.truncateBits() > 0 ? " (fixed point)" : " (integer)"), party,
                    model.bilinear(c.parties(), party, call), out.get(party).get(i));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldTruncateAtTheAnalyticCost(final Config c) {
        final CostModel model = requireCostModel();
        final int len = 41;
        final List<List<Counters>> out = run(c, ops -> {
            try (SecretTensor x = inputRing(ops, 0, new long[len], 32, len);
                 SecretTensor a = input(ops, 0, new double[len], len);
                 RingTensor p = RingTensor.of(new long[len], len);
                 RingTensor q = RingTensor.of(new long[len * 3], len, 3)) {
                return List.of(cost(ops, "truncate", () -> ops.truncate(x, 16)),
                    cost(ops, "mulPublic", () -> ops.mulPublic(a, p, F)),
                    cost(ops, "matmulPublic", () -> ops.matmulPublic(a.reshape(1, len), q, F, false, false)));
            }
        });
        final Check chk = check(c);
        final int n = c.parties();
        for (int party = 0; party < n; party++) {
            chk.cost("truncate", party, model.truncate(n, party, len, 16), out.get(party).get(0));
            chk.cost("mulPublic", party, model.publicProduct(n, party, len, F), out.get(party).get(1));
            chk.cost("matmulPublic", party, model.publicProduct(n, party, 3, F), out.get(party).get(2));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldCompareWithinTheStatedBudget(final Config c) {
        final CostModel model = requireCostModel();
        final int len = 500;
        final String[] opsToCheck = {"lessThanZero", "relu", "reluDerivative"};
        Assumptions.assumeTrue(model.comparisonBudget("relu", c.parties(), len) != null,
            "the suite states no comparison budget for " + c.parties() + " parties");
        final long[] x = spreadInRange(new SplittableRandom(1), len);
        final List<List<Counters>> out = run(c, ops -> {
            final List<Counters> r = new ArrayList<>();
            try (SecretTensor s = inputRing(ops, 0, x, F, len)) {
                r.add(cost(ops, "lessThanZero", () -> ops.lessThanZero(s)));
                r.add(cost(ops, "relu", () -> ops.relu(s)));
                r.add(cost(ops, "reluDerivative", () -> ops.reluDerivative(s)));
            }
            return r;
        });
        final Check chk = check(c);
        for (int party = 0; party < c.parties(); party++) {
            for (int i = 0; i < opsToCheck.length; i++) {
                final Cost budget = model.comparisonBudget(opsToCheck[i], c.parties(), len);
                final Counters got = out.get(party).get(i);
                assertTrue(got.rounds() <= budget.rounds(), chk.msg(opsToCheck[i] + " at party " + party + ": "
                    + got.rounds() + " rounds, budget " + budget.rounds()));
                assertTrue(got.bytesSent() <= budget.bytesSent(), chk.msg(opsToCheck[i] + " at party " + party
                    + ": " + got.bytesSent() + " bytes sent for " + len + " elements, budget " + budget.bytesSent()));
            }
        }
    }

    // =================================================================================== offline and online

    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldRunOnlineWithoutDealerTrafficAfterPrefetchingTheRecordedPlan(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final double[] a = reals(rnd, 12, 10);
        final double[] b = reals(rnd, 12, 10);
        final long[] ints = encode(integers(rnd, 12, 100), 0);
        final List<Map<String, Object>> out = run(c, ops -> {
            final Optional<Preprocessing> pre = ops.preprocessing();
            if (pre.isEmpty()) {
                return null;
            }
            final Map<String, Object> r = new LinkedHashMap<>();
            final CommStats stats = ops.session().stats();
            try (SecretTensor x = input(ops, 0, a, 3, 4);
                 SecretTensor y = input(ops, ops.session().parties() - 1, b, 4, 3);
                 SecretTensor k = inputRing(ops, 1, ints, 0, 4, 3)) {
                final Supplier<List<long[]>> computation = () -> {
                    try (SecretTensor xy = ops.matmul(x, y, false, false);
                         SecretTensor xk = ops.matmul(x, k, false, false);
                         SecretTensor sq = ops.mul(xy, xy);
                         SecretTensor t = ops.truncate(sq, 4)) {
                        return List.of(open(ops, xy), open(ops, xk), open(ops, sq), open(ops, t));
                    }
                };
                pre.get().startRecording();
                final Counters c0 = stats.total();
                r.put("recorded", computation.get());
                final Counters c1 = stats.total();
                final Preprocessing.Plan plan = pre.get().stopRecording();
                r.put("planSize", plan.size());
                pre.get().prefetch(plan);
                final Counters c2 = stats.total();
                r.put("pendingAfterPrefetch", pre.get().pending());
                r.put("online", computation.get());
                final Counters c3 = stats.total();
                r.put("pendingAfterOnline", pre.get().pending());
                r.put("recordedCost", c1.minus(c0));
                r.put("prefetchCost", c2.minus(c1));
                r.put("onlineCost", c3.minus(c2));
            }
            return r;
        });
        Assumptions.assumeTrue(out.get(0) != null, "the suite has no preprocessing");
        final Terms mm = PlaintextReference.matmul(new int[] {3, 4}, new int[] {4, 3}, false, false);
        for (int party = 0; party < c.parties(); party++) {
            final Map<String, Object> r = out.get(party);
            final int planSize = (Integer) r.get("planSize");
            assertTrue(planSize > 0, chk.msg("the recorded plan lists the correlated randomness"));
            assertEquals(planSize, r.get("pendingAfterPrefetch"), chk.msg("everything in the plan is prefetched"));
            assertEquals(0, r.get("pendingAfterOnline"), chk.msg("the online run used everything prefetched"));
            final Counters online = (Counters) r.get("onlineCost");
            final Counters recorded = (Counters) r.get("recordedCost");
            assertEquals(0, online.dealerBytes(), chk.msg("party " + party + " exchanged bytes with the dealer in"
                + " the online phase: " + online));
            assertEquals(0, online.offlineNanos(), chk.msg("party " + party + " spent offline time in the online"
                + " phase: " + online));
            assertEquals(recorded.rounds(), online.rounds(), chk.msg("online rounds equal the recorded run's"));
            assertEquals(recorded.bytesSent(), online.bytesSent(), chk.msg("online bytes equal the recorded run's"));
            if (party == c.parties() - 1) {
                assertTrue(((Counters) r.get("prefetchCost")).dealerBytes() > 0,
                    chk.msg("the prefetch brought the last party its dealer material"));
            }
            for (final String phase : new String[] {"recorded", "online"}) {
                @SuppressWarnings("unchecked")
                final List<long[]> res = (List<long[]>) r.get(phase);
                final String what = phase + " run at party " + party + ": ";
                final long[] exactXy = PlaintextReference.exact(mm, encode(a), encode(b));
                chk.truncated(what + "matmul", exactXy, F, res.get(0));
                chk.ringEquals(what + "integer matmul", PlaintextReference.exact(mm, encode(a), ints), res.get(1));
                final Terms sq = PlaintextReference.broadcastMul(new int[] {9}, new int[] {9});
                chk.truncated(what + "mul", PlaintextReference.exact(sq, res.get(0), res.get(0)), F, res.get(2));
                chk.truncated(what + "truncate", res.get(2), 4, res.get(3));
            }
            @SuppressWarnings("unchecked")
            final List<long[]> first = (List<long[]>) r.get("recorded");
            @SuppressWarnings("unchecked")
            final List<long[]> second = (List<long[]>) r.get("online");
            chk.ringEquals("the integer matmul is the same online", first.get(1), second.get(1));
        }
    }

    /**
     * A background filler ({@link Preprocessing#fillInBackground}) serves repeated runs of the recorded computation:
     * every run gives the recorded run's results, the pool fills to its depth while the parties wait, a computation
     * that differs from the plan fails clearly at every party, and closing the filler releases what it fetched.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldServeRepeatedRunsFromABackgroundFillerAndRefuseAnotherComputation(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final double[] a = reals(rnd, 12, 10);
        final double[] b = reals(rnd, 12, 10);
        final int depth = 2;
        final int runs = 5;
        final List<Map<String, Object>> out = run(c, ops -> {
            final Optional<Preprocessing> pre = ops.preprocessing();
            if (pre.isEmpty()) {
                return null;
            }
            final Map<String, Object> r = new LinkedHashMap<>();
            try (SecretTensor x = input(ops, 0, a, 3, 4);
                 SecretTensor y = input(ops, ops.session().parties() - 1, b, 4, 3)) {
                final Supplier<List<long[]>> computation = () -> {
                    try (SecretTensor xy = ops.matmul(x, y, false, false);
                         SecretTensor sq = ops.mul(xy, xy);
                         SecretTensor neg = ops.lessThanZero(xy)) {
                        return List.of(open(ops, xy), open(ops, sq), open(ops, neg));
                    }
                };
                pre.get().startRecording();
                r.put("recorded", computation.get());
                final Preprocessing.Plan plan = pre.get().stopRecording();
                r.put("planSize", plan.size());
                final List<List<long[]>> served = new ArrayList<>();
                try (Preprocessing.Filler filler = pre.get().fillInBackground(plan, depth)) {
                    for (int i = 0; i < runs; i++) {
                        served.add(computation.get());
                    }
                    final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (filler.depth() < depth && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    r.put("depth", filler.depth());
                    r.put("pending", pre.get().pending());
                    assertThrows(IllegalStateException.class, () -> pre.get().fillInBackground(plan, depth),
                        "a second filler");
                    // Not the recorded computation: the first take differs from the plan (a product, not a matmul).
                    final IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> {
                        try (SecretTensor z = ops.mul(x, x)) {
                            fail("another computation ran from the plan's material");
                        }
                    });
                    r.put("wrong", wrong.getMessage());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                r.put("served", served);
                r.put("pendingAfterClose", pre.get().pending());
            }
            return r;
        });
        Assumptions.assumeTrue(out.get(0) != null, "the suite has no preprocessing");
        for (int party = 0; party < c.parties(); party++) {
            final Map<String, Object> r = out.get(party);
            final int planSize = (Integer) r.get("planSize");
            assertEquals(depth, r.get("depth"), chk.msg("party " + party + ": the filler fills the pool to its depth"));
            assertEquals(depth * planSize, r.get("pending"), chk.msg("party " + party + ": depth whole runs wait"));
            assertEquals(0, r.get("pendingAfterClose"), chk.msg("closing the filler releases what it fetched"));
            assertTrue(((String) r.get("wrong")).contains("does not match"), chk.msg("a computation other than the"
                + " plan's fails clearly: " + r.get("wrong")));
            @SuppressWarnings("unchecked")
            final List<long[]> recorded = (List<long[]>) r.get("recorded");
            @SuppressWarnings("unchecked")
            final List<List<long[]>> served = (List<List<long[]>>) r.get("served");
            assertEquals(runs, served.size());
            final Terms mm = PlaintextReference.matmul(new int[] {3, 4}, new int[] {4, 3}, false, false);
            final Terms sq = PlaintextReference.broadcastMul(new int[] {9}, new int[] {9});
            final List<List<long[]>> all = new ArrayList<>();
            all.add(recorded);
            all.addAll(served);
            for (int i = 0; i < all.size(); i++) {
                final List<long[]> res = all.get(i);
                final String what = (i == 0 ? "recorded run" : "run " + i + " from the filler") + " at party " + party
                    + ": ";
                chk.truncated(what + "matmul", PlaintextReference.exact(mm, encode(a), encode(b)), F, res.get(0));
                chk.truncated(what + "mul", PlaintextReference.exact(sq, res.get(0), res.get(0)), F, res.get(1));
                chk.ringEquals(what + "lessThanZero", map(res.get(0), v -> v < 0 ? 1 : 0), res.get(2));
            }
        }
    }

    // ========================================================================================= checked mode

    /**
     * Checked mode works for the suite ({@link LocalParties.Builder#checked}): a run of every kind of operation
     * passes its plaintext twin, which reconstructs every value with the suite's {@link ProtocolSuite#reconstruct}
     * (so a suite whose sharing the default sum does not reconstruct fails here until it overrides it), and a
     * product out of range is refused, naming the operation.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(CONFIGS)
    public void shouldPassThePlaintextTwinOfCheckedModeAndRefuseAProductOutOfRange(final Config c) {
        final Check chk = check(c);
        final SplittableRandom rnd = chk.random();
        final double[] a = reals(rnd, 12, 10);
        final double[] b = reals(rnd, 12, 10);
        final double[] image = reals(rnd, 50, 1);
        final double[] kernel = reals(rnd, 18, 1);
        final Conv2dSpec spec = Conv2dSpec.of(1, 1);
        final List<List<long[]>> out = runChecked(c, ops -> {
            final int last = ops.session().parties() - 1;
            try (SecretTensor x = input(ops, 0, a, 3, 4);
                 SecretTensor y = input(ops, last, b, 4, 3);
                 SecretTensor img = input(ops, 0, image, 2, 1, 5, 5);
                 SecretTensor k = input(ops, last, kernel, 2, 1, 3, 3);
                 SecretTensor xy = ops.matmul(x, y, false, false);
                 SecretTensor sq = ops.mul(xy, xy);
                 SecretTensor conv = ops.conv2d(img, k, spec);
                 SecretTensor dIn = ops.conv2dBackwardInput(conv, k, spec, 2, 1, 5, 5);
                 SecretTensor dW = ops.conv2dBackwardWeight(img, conv, spec, 2, 1, 3, 3);
                 SecretTensor relu = ops.relu(xy);
                 SecretTensor sign = ops.lessThanZero(xy);
                 SecretTensor t = ops.truncate(sq, 4);
                 SecureOps.MaxPoolResult pool = ops.maxPool2d(conv, 2, 2, 1, 1);
                 SecretTensor soft = ops.softmax(xy)) {
                return List.of(open(ops, xy), open(ops, sq), open(ops, relu), open(ops, sign), open(ops, t),
                    open(ops, dIn), open(ops, dW), open(ops, pool.values()), open(ops, soft));
            }
        });
        final Terms mm = PlaintextReference.matmul(new int[] {3, 4}, new int[] {4, 3}, false, false);
        final Terms sq = PlaintextReference.broadcastMul(new int[] {9}, new int[] {9});
        for (int party = 0; party < c.parties(); party++) {
            final List<long[]> r = out.get(party);
            chk.truncated("checked matmul at party " + party, PlaintextReference.exact(mm, encode(a), encode(b)), F,
                r.get(0));
            chk.truncated("checked mul at party " + party, PlaintextReference.exact(sq, r.get(0), r.get(0)), F,
                r.get(1));
            final long[] relu = new long[9];
            final long[] sign = new long[9];
            for (int i = 0; i < 9; i++) {
                relu[i] = Math.max(r.get(0)[i], 0);
                sign[i] = r.get(0)[i] < 0 ? 1 : 0;
            }
            chk.ringEquals("checked relu at party " + party, relu, r.get(2));
            chk.ringEquals("checked lessThanZero at party " + party, sign, r.get(3));
        }
        final PartyFailureException e = assertThrows(PartyFailureException.class, () -> runChecked(c, ops -> {
            try (SecretTensor x = input(ops, 0, new double[] {1e5, 2}, 2); SecretTensor xx = ops.mul(x, x)) {
                return open(ops, xx);
            }
        }), chk.msg("mul(1e5, 1e5) at f = 16 leaves the product range"));
        final CheckedModeException refused = assertInstanceOf(CheckedModeException.class, e.getCause(),
            chk.msg(String.valueOf(e.getCause())));
        assertEquals(CheckedModeException.Reason.RANGE, refused.reason(), chk.msg(refused.getMessage()));
        assertEquals("mul", refused.operation(), chk.msg(refused.getMessage()));
    }

    // ================================================================================================ helpers

    /** Runs {@code program} on every party of a fresh run of the suite and returns the results by party. */
    protected final <T> List<T> run(final Config c, final Function<SecureOps, T> program) {
        return LocalParties.builder()
            .parties(c.parties())
            .suite(suite())
            .backend(Backends.byName(c.backend()))
            .timeout(timeout())
            .build()
            .run(program);
    }

    /** As {@link #run}, in checked mode. */
    protected final <T> List<T> runChecked(final Config c, final Function<SecureOps, T> program) {
        return LocalParties.builder()
            .parties(c.parties())
            .suite(suite())
            .backend(Backends.byName(c.backend()))
            .timeout(timeout())
            .checked(true)
            .build()
            .run(program);
    }

    /** A checker with a fresh seed (or {@code -Dobscura.test.seed}) for {@code c}. */
    protected static Check check(final Config c) {
        final Long fixed = Long.getLong("obscura.test.seed");
        return new Check(fixed != null ? fixed : SEEDS.nextLong(), c);
    }

    private CostModel requireCostModel() {
        final CostModel m = costModel();
        Assumptions.assumeTrue(m != null, "the suite states no cost model (override costModel())");
        return m;
    }

    /** Shares {@code values} owned by {@code owner} (the others pass null). */
    protected static SecretTensor input(final SecureOps ops, final int owner, final double[] values,
                                        final int... shape) {
        return ops.input(owner, ops.session().partyId() == owner ? values : null, shape);
    }

    /** Shares ring {@code values} owned by {@code owner} with {@code fracBits}. */
    protected static SecretTensor inputRing(final SecureOps ops, final int owner, final long[] values,
                                            final int fracBits, final int... shape) {
        if (ops.session().partyId() != owner) {
            return ops.inputRing(owner, null, fracBits, shape);
        }
        try (RingTensor t = RingTensor.of(values, shape)) {
            return ops.inputRing(owner, t, fracBits, shape);
        }
    }

    /** Opens {@code x} and returns its ring elements. */
    protected static long[] open(final SecureOps ops, final SecretTensor x) {
        try (RingTensor t = ops.open(x)) {
            return t.toArray();
        }
    }

    /**
     * Runs {@code op} and returns what it cost this party (the session totals' change); checks that the operation's
     * own counter, when {@code counter} names one, saw exactly one call and the same figures. Closes the result.
     */
    protected final Counters cost(final SecureOps ops, final String op, final Supplier<?> call) {
        final CommStats stats = ops.session().stats();
        final String name = op == null ? null : counterName(op);
        final Counters opBefore = name == null ? null : stats.of(name);
        final Counters before = stats.total();
        final Object result = call.get();
        final Counters total = stats.total().minus(before);
        try {
            if (result instanceof AutoCloseable closeable) {
                closeable.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (name != null) {
            final Counters own = stats.of(name).minus(opBefore);
            assertEquals(1, own.calls(), "counter " + name + " counts one call");
            assertEquals(total.rounds(), own.rounds(), "counter " + name + " rounds vs session total");
            assertEquals(total.bytesSent(), own.bytesSent(), "counter " + name + " bytes vs session total");
            assertEquals(total.dealerBytes(), own.dealerBytes(), "counter " + name + " dealer bytes vs total");
        }
        return total;
    }

    /** Fixed-point encoding with the session's f, as the owner does. */
    protected static long[] encode(final double[] v) {
        return encode(v, F);
    }

    /** Fixed-point encoding with {@code fracBits}. */
    protected static long[] encode(final double[] v, final int fracBits) {
        final long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = FixedPoint.encode(v[i], i, fracBits);
        }
        return out;
    }

    /** Ring values read with {@code fracBits}. */
    protected static double[] decode(final long[] v, final int fracBits) {
        final double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.scalb((double) v[i], -fracBits);
        }
        return out;
    }

    /** Random reals in {@code [-bound, bound]}, an eighth of them small (below 1e-3) to exercise rounding. */
    protected static double[] reals(final SplittableRandom rnd, final int n, final double bound) {
        final double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextInt(8) == 0 ? rnd.nextDouble(-1e-3, 1e-3) : rnd.nextDouble(-bound, bound);
        }
        return out;
    }

    /** Random integers in {@code [-bound, bound]}, as doubles. */
    protected static double[] integers(final SplittableRandom rnd, final int n, final int bound) {
        final double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextInt(-bound, bound + 1);
        }
        return out;
    }

    private static double[] uniform(final SplittableRandom rnd, final int n, final double lo, final double hi) {
        final double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextDouble(lo, hi);
        }
        return out;
    }

    private static double[] logUniform(final SplittableRandom rnd, final int n, final double lo, final double hi) {
        final double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.exp(rnd.nextDouble(Math.log(lo), Math.log(hi)));
        }
        return out;
    }

    /**
     * Ring values spread over the whole range {@code |x| < 2^62}: the magnitude's bit length is uniform in
     * [0, 62], the sign random, so small values and values near {@code ±2^62} are equally common.
     */
    protected static long[] spreadInRange(final SplittableRandom rnd, final int n) {
        final long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            final int bits = rnd.nextInt(63);
            final long mag = bits == 0 ? 0 : rnd.nextLong() >>> (64 - bits);
            out[i] = rnd.nextBoolean() ? mag : -mag;
        }
        return out;
    }

    private static long[] concat(final long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    private static double[] concat(final double[]... parts) {
        return Arrays.stream(parts).flatMapToDouble(Arrays::stream).toArray();
    }

    private static long[] negate(final long[] v) {
        return map(v, x -> -x);
    }

    private static double[] negate(final double[] v) {
        return Arrays.stream(v).map(x -> -x).toArray();
    }

    private static long[] scale(final long[] v, final long k) {
        return map(v, x -> x * k);
    }

    private static double[] scaleReal(final double[] v, final long k) {
        return Arrays.stream(v).map(x -> x * k).toArray();
    }

    private static long[] map(final long[] v, final java.util.function.LongUnaryOperator f) {
        return Arrays.stream(v).map(f).toArray();
    }

    private static double[] sumReal(final double[] x, final int[] shape, final int axis) {
        final int ax = axis < 0 ? shape.length + axis : axis;
        int outer = 1;
        for (int d = 0; d < ax; d++) {
            outer *= shape[d];
        }
        int inner = 1;
        for (int d = ax + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        final double[] z = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int l = 0; l < shape[ax]; l++) {
                for (int i = 0; i < inner; i++) {
                    z[o * inner + i] += x[(o * shape[ax] + l) * inner + i];
                }
            }
        }
        return z;
    }

    /** A matrix product case: operand shapes (stored, before the transposes), data and scales. */
    protected record MatmulCase(int[] shapeX, int[] shapeY, boolean transX, boolean transY, double[] x, double[] y,
                                int fracX, int fracY) {
        static MatmulCase of(final SplittableRandom rnd, final int batch, final int m, final int k, final int n,
                             final boolean tx, final boolean ty, final boolean batchedY, final int fracX,
                             final int fracY) {
            final int[] sx = tx ? new int[] {k, m} : new int[] {m, k};
            final int[] sy = ty ? new int[] {n, k} : new int[] {k, n};
            final int[] shapeX = batch > 1 || batchedY ? prepend(batch, sx) : sx;
            final int[] shapeY = batchedY ? prepend(batch, sy) : sy;
            final double[] x = fracX == 0 ? integers(rnd, (int) Shapes.numel(shapeX), 100)
                : reals(rnd, (int) Shapes.numel(shapeX), 10);
            final double[] y = fracY == 0 ? integers(rnd, (int) Shapes.numel(shapeY), 100)
                : reals(rnd, (int) Shapes.numel(shapeY), 10);
            return new MatmulCase(shapeX, shapeY, tx, ty, x, y, fracX, fracY);
        }

        private static int[] prepend(final int b, final int[] s) {
            return new int[] {b, s[0], s[1]};
        }

        Terms terms() {
            return PlaintextReference.matmul(shapeX, shapeY, transX, transY);
        }

        int[] shapeZ() {
            final int m = transX ? shapeX[shapeX.length - 1] : shapeX[shapeX.length - 2];
            final int n = transY ? shapeY[shapeY.length - 2] : shapeY[shapeY.length - 1];
            return shapeX.length == 3 ? new int[] {shapeX[0], m, n} : new int[] {m, n};
        }

        @Override
        public String toString() {
            return Shapes.toString(shapeX) + (transX ? "^T" : "") + " x " + Shapes.toString(shapeY)
                + (transY ? "^T" : "") + " (fracBits " + fracX + ", " + fracY + ")";
        }
    }

    /** A convolution case: geometry and data for the forward and both backward maps. */
    protected record ConvCase(int[] inShape, int[] wShape, Conv2dSpec spec, double[] input, double[] weight,
                              double[] gradOut) {
        /** Kernels 1, 3, 5 x strides 1, 2 x paddings 0, 1, plus a rectangular case. */
        static List<ConvCase> all(final SplittableRandom rnd) {
            final List<ConvCase> out = new ArrayList<>();
            for (final int k : new int[] {1, 3, 5}) {
                for (final int s : new int[] {1, 2}) {
                    for (final int p : new int[] {0, 1}) {
                        out.add(of(rnd, new int[] {2, 2, 7, 7}, new int[] {3, 2, k, k}, Conv2dSpec.of(s, p)));
                    }
                }
            }
            out.add(of(rnd, new int[] {1, 3, 6, 5}, new int[] {2, 3, 3, 2}, new Conv2dSpec(2, 1, 1, 0)));
            return out;
        }

        static ConvCase of(final SplittableRandom rnd, final int[] in, final int[] w, final Conv2dSpec spec) {
            final int[] o = PlaintextReference.convOutShape(in, w, spec);
            return new ConvCase(in, w, spec, reals(rnd, (int) Shapes.numel(in), 4), reals(rnd, (int) Shapes.numel(w),
                1), reals(rnd, (int) Shapes.numel(o), 2));
        }

        int[] outShape() {
            return PlaintextReference.convOutShape(inShape, wShape, spec);
        }

        @Override
        public String toString() {
            return "input " + Shapes.toString(inShape) + " kernel " + Shapes.toString(wShape) + " stride "
                + spec.strideH() + "," + spec.strideW() + " padding " + spec.padH() + "," + spec.padW();
        }
    }

    /** Assertions that name the seed and the configuration. */
    protected static final class Check {
        private final long seed;
        private final Config config;

        Check(final long seed, final Config config) {
            this.seed = seed;
            this.config = config;
        }

        /** A generator of this test's data. */
        public SplittableRandom random() {
            return new SplittableRandom(seed);
        }

        /** {@code what} with the seed and the configuration. */
        public String msg(final String what) {
            return what + " [" + config + ", seed=" + seed + ", rerun with -Dobscura.test.seed=" + seed + "]";
        }

        /** Every party's list of opened values is the same; returns it. */
        public List<long[]> agreed(final List<List<long[]>> byParty) {
            final List<long[]> first = byParty.get(0);
            for (int p = 1; p < byParty.size(); p++) {
                final List<long[]> other = byParty.get(p);
                assertEquals(first.size(), other.size(), msg("party " + p + " returned another number of results"));
                for (int i = 0; i < first.size(); i++) {
                    assertArrayEquals(first.get(i), other.get(i), msg("party " + p + " opened another value than"
                        + " party 0, result " + i));
                }
            }
            return first;
        }

        /** Every party's revealed values are the same; returns them. */
        public List<double[]> agreedReals(final List<List<double[]>> byParty) {
            final List<double[]> first = byParty.get(0);
            for (int p = 1; p < byParty.size(); p++) {
                for (int i = 0; i < first.size(); i++) {
                    assertArrayEquals(first.get(i), byParty.get(p).get(i), msg("party " + p + " revealed another"
                        + " value than party 0, result " + i));
                }
            }
            return first;
        }

        public void ringEquals(final String what, final long[] expected, final long[] actual) {
            assertEquals(expected.length, actual.length, msg(what + ": element count"));
            for (int i = 0; i < expected.length; i++) {
                if (expected[i] != actual[i]) {
                    fail(msg(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (bit exact)"));
                }
            }
        }

        /** {@code actual - floor(exact / 2^bits)} is 0 or 1 ({@link ErrorBounds#TRUNCATION_ULPS}) everywhere. */
        public void truncated(final String what, final long[] exact, final int bits, final long[] actual) {
            assertEquals(exact.length, actual.length, msg(what + ": element count"));
            final long maxUlps = (long) ErrorBounds.TRUNCATION_ULPS;
            int failures = 0;
            String first = null;
            for (int i = 0; i < exact.length; i++) {
                final long d = actual[i] - (exact[i] >> bits);
                if (d < 0 || d > maxUlps) {
                    if (failures++ == 0) {
                        first = "element " + i + ": exact " + exact[i] + " >> " + bits + " = " + (exact[i] >> bits)
                            + ", got " + actual[i];
                    }
                }
            }
            if (failures > 0) {
                fail(msg(what + ": " + failures + " of " + exact.length + " elements are not floor(x / 2^" + bits
                    + ") + {0, 1}; first: " + first));
            }
        }

        /** Revealed values equal the fixed-point encoding of {@code raw}, within ulp/2 of it. */
        public void encodedExactly(final String what, final double[] raw, final double[] revealed) {
            assertEquals(raw.length, revealed.length, msg(what + ": element count"));
            for (int i = 0; i < raw.length; i++) {
                final double expected = FP.decode(FP.encode(raw[i]));
                if (revealed[i] != expected && !(revealed[i] == 0 && expected == 0)) {
                    fail(msg(what + ": element " + i + " revealed " + revealed[i] + ", expected the encoding "
                        + expected + " of " + raw[i]));
                }
                if (Math.abs(revealed[i] - raw[i]) > ErrorBounds.INPUT_ROUNDING_ULPS * ULP) {
                    fail(msg(what + ": element " + i + " revealed " + revealed[i] + " is more than ulp/2 from "
                        + raw[i]));
                }
            }
        }

        /** Every element within {@code bound} of the double reference. */
        public void close(final String what, final double[] expected, final double[] actual, final double bound) {
            final double[] bounds = new double[expected.length];
            Arrays.fill(bounds, bound);
            close(what, expected, actual, bounds);
        }

        /** Element {@code i} within {@code bounds[i]} of the double reference. */
        public void close(final String what, final double[] expected, final double[] actual, final double[] bounds) {
            assertEquals(expected.length, actual.length, msg(what + ": element count"));
            for (int i = 0; i < expected.length; i++) {
                final double err = Math.abs(actual[i] - expected[i]);
                if (!(err <= bounds[i])) {
                    fail(msg(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + ", error "
                        + err + " (" + err / ULP + " ulp) above the bound " + bounds[i] + " (" + bounds[i] / ULP
                        + " ulp)"));
                }
            }
        }

        /**
         * A product: exact against the encoded inputs (truncated when the scales add up to more than f, else bit
         * exact), and within {@link ErrorBounds#product} of double math on the raw inputs.
         */
        public void product(final String what, final Terms t, final double[] x, final int fracX, final double[] y,
                            final int fracY, final long[] actual) {
            final long[] ex = encode(x, fracX);
            final long[] ey = encode(y, fracY);
            final long[] exact = PlaintextReference.exact(t, ex, ey);
            final int excess = fracX + fracY - F;
            final int resultBits = Math.min(fracX + fracY, F);
            if (excess > 0) {
                truncated(what, exact, excess, actual);
            } else {
                ringEquals(what, exact, actual);
            }
            final double[] reference = PlaintextReference.real(t, x, y);
            final double[] mags = PlaintextReference.magnitudeSums(t, x, y);
            final double[] abs = PlaintextReference.absProducts(t, x, y);
            final int[] counts = PlaintextReference.termCounts(t);
            final double resultUlp = Math.scalb(1.0, -resultBits);
            final double[] bounds = new double[reference.length];
            for (int i = 0; i < bounds.length; i++) {
                // Input rounding: ulp/2 of each operand's own scale (integers round to themselves).
                final double ux = fracX == 0 ? 0 : Math.scalb(1.0, -fracX);
                final double uy = fracY == 0 ? 0 : Math.scalb(1.0, -fracY);
                final double rounding = Math.max(ux, uy);
                bounds[i] = ErrorBounds.product(rounding, false, mags[i], counts[i], abs[i])
                    + (excess > 0 ? ErrorBounds.TRUNCATION_ULPS * resultUlp : 0);
            }
            close(what + " vs double", reference, decode(actual, resultBits), bounds);
        }

        /** Element {@code i} within {@code bounds[i]} of the double reference (bounds published by the suite). */
        public void approximation(final String what, final double[] x, final double[] expected,
                                  final double[] actual, final double[] bounds) {
            assertEquals(expected.length, actual.length, msg(what + ": element count"));
            for (int i = 0; i < expected.length; i++) {
                final double err = Math.abs(actual[i] - expected[i]);
                if (!(err <= bounds[i])) {
                    fail(msg(what + " of " + x[i] + " (element " + i + ") is " + actual[i] + ", expected "
                        + expected[i] + ": error " + err + " above the published bound " + bounds[i]));
                }
            }
        }

        /** The measured counters of one call match the model (figures set to {@link Cost#ANY} are skipped). */
        public void cost(final String what, final int party, final Cost expected, final Counters actual) {
            final String where = what + " at party " + party + " of " + config.parties() + ": ";
            if (expected.rounds() != Cost.ANY) {
                assertEquals(expected.rounds(), actual.rounds(), msg(where + "rounds"));
            }
            if (expected.bytesSent() != Cost.ANY) {
                assertEquals(expected.bytesSent(), actual.bytesSent(), msg(where + "bytes sent to the other parties"));
            }
            if (expected.dealerBytes() != Cost.ANY) {
                assertEquals(expected.dealerBytes(), actual.dealerBytes(), msg(where + "bytes exchanged with the"
                    + " dealer"));
            }
        }
    }
}
