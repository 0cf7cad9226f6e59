package dev.obscura.protocols;

import static dev.obscura.protocols.SuiteConformance.encode;
import static dev.obscura.protocols.SuiteConformance.input;
import static dev.obscura.protocols.SuiteConformance.inputRing;
import static dev.obscura.protocols.SuiteConformance.open;
import static dev.obscura.protocols.SuiteConformance.reals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.Bilinear;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.Label;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.Scope;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.CheckedModeException.Reason;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.clear.ClearSuite;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Checked mode ({@link LocalParties.Builder#checked}): the refusals the fixed-point review found wrong without a
 * word (at f = 16, {@code mul(1e5, 1e5)} gave 1.41e9 and {@code mul(3e7, 3e7)} gave -1.8e9; a matrix product whose
 * sum of products leaves the range while each product fits), the domains of the derived functions, a party that
 * deviates, parties that diverge, and the promise that an in-range run is the unchecked run: the same results
 * (bit for bit where the suite is deterministic), rounds and bytes, for 2, 3 and 4 parties.
 */
final class CheckedModeTest {
    /** A long time-out: a failure that arrives with another reason than TIMEOUT did not wait for it. */
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final int F = FixedPoint.DEFAULT_FRAC_BITS;
    private static final SecureRandom SEEDS = new SecureRandom();

    // ============================================================================================= refusals

    @Test
    void shouldRefuseMulOfOneE5ByOneE5NamingMulWhereUncheckedItIsWrongWithoutAWord() {
        final double[] unchecked = LocalParties.builder().build().run(ops -> square(ops, 1e5)).get(0);
        assertTrue(Math.abs(unchecked[0] - 1e10) > 1e9, "unchecked, the product wraps: " + unchecked[0]);
        for (final int parties : new int[] {2, 3, 4}) {
            final CheckedModeException e = refusal(parties, ops -> square(ops, 1e5));
            assertEquals(Reason.RANGE, e.reason());
            assertEquals("mul", e.operation());
            assertMessage(e, "mul left its range: a product reached 2^30 in magnitude",
                "truncation from 32 to 16 fractional bits", "bound=2^(62-32)", "f=16", "operation=mul");
        }
    }

    @Test
    void shouldRefuseMulOfThreeE7ByThreeE7NamingMul() {
        final double[] unchecked = LocalParties.builder().build().run(ops -> square(ops, 3e7)).get(0);
        assertTrue(Math.abs(unchecked[0] - 9e14) > 1e14, "unchecked, the product wraps: " + unchecked[0]);
        final CheckedModeException e = refusal(2, ops -> square(ops, 3e7));
        assertEquals(Reason.RANGE, e.reason());
        assertEquals("mul", e.operation());
        assertMessage(e, "mul left its range: a product reached 2^30");
    }

    @Test
    void shouldRefuseAMatmulWhoseSumOfProductsLeavesTheRangeThoughEveryProductFits() {
        // Each product is 9e8 < 2^30 ~ 1.07e9; their sum, 3.6e9, is not.
        final Function<SecureOps, double[]> program = ops -> dot(ops, new double[] {3e4, 3e4, 3e4, 3e4});
        final double[] unchecked = LocalParties.builder().build().run(program).get(0);
        assertTrue(Math.abs(unchecked[0] - 3.6e9) > 1e9, "unchecked, the sum wraps: " + unchecked[0]);
        final CheckedModeException e = refusal(3, program);
        assertEquals(Reason.RANGE, e.reason());
        assertEquals("matmul", e.operation());
        assertMessage(e, "matmul left its range: a sum of products reached 2^30", "operation=matmul");
    }

    @Test
    void shouldAcceptASumOfProductsWhosePartialSumsLeaveTheRangeButWhoseResultDoesNot() {
        for (final int parties : new int[] {2, 3, 4}) {
            final List<double[]> out = checked(parties).run(ops -> dot(ops, new double[] {3e4, 3e4, -3e4, -3e4}));
            assertEquals(0, out.get(0)[0], 4 * Math.scalb(1.0, -F), "the ring is modular: only the sum counts");
        }
    }

    @Test
    void shouldRefuseALocalOperationWhoseResultLeavesTheRange() {
        final CheckedModeException e = refusal(2, ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = input(ops, 0, new double[] {6e13}, 1);
                return ops.reveal(ops.add(x, x)); // each is below 2^46 ~ 7.04e13, the sum is not
            }
        });
        assertEquals(Reason.RANGE, e.reason());
        assertEquals("add", e.operation());
        assertMessage(e, "add left its range: its result reached 2^46", "at 16 fractional bits");
    }

    @Test
    void shouldRefuseATruncationOfAnInputAtTwoToTheSixtyTwo() {
        final CheckedModeException e = refusal(2, ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = inputRing(ops, 0, new long[] {1L << 62, 5}, 32, 2);
                return ops.reveal(ops.truncate(x, 16));
            }
        });
        assertEquals(Reason.RANGE, e.reason());
        assertEquals("truncate", e.operation());
        assertMessage(e, "truncate left its range: its input reached 2^30", "from 32 fractional bits");
        // one below the bound truncates
        final long[] ok = checked(2).run(ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = inputRing(ops, 0, new long[] {(1L << 62) - 1, -(1L << 62) + 1}, 32, 2);
                return open(ops, ops.truncate(x, 16));
            }
        }).get(0);
        assertTrue(Math.abs(ok[0] - ((1L << 46) - 1)) <= 1 && Math.abs(ok[1] + (1L << 46)) <= 1, ok[0] + " " + ok[1]);
    }

    @Test
    void shouldRefuseInputsOutsideTheDomainsOfTheDerivedFunctions() {
        assertDomain("exp", "x < 16 ln 2", ops -> ops.reveal(ops.exp(input(ops, 0, new double[] {1, 12}, 2))));
        assertDomain("reciprocal", "2^-16 <= x < 2^16",
            ops -> ops.reveal(ops.reciprocal(input(ops, 0, new double[] {4, 0}, 2))));
        assertDomain("softmax", "|x| < 2^44",
            ops -> ops.reveal(ops.softmax(input(ops, 0, new double[] {2e13, 0}, 1, 2))));
        assertDomain("where", "cond in {0, 1}", ops -> {
            final SecretTensor a = input(ops, 0, new double[] {1, 2}, 2);
            return ops.reveal(ops.where(inputRing(ops, 0, new long[] {1, 2}, 0, 2), a, a));
        });
        assertDomain("max", "|x| < 2^46", ops -> {
            final SecretTensor a = inputRing(ops, 0, new long[] {1L << 62, 0}, F, 2);
            return ops.reveal(ops.max(a, a));
        });
        // inside the domains, the same functions pass
        final double[] fine = checked(2).run(ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = input(ops, 0, new double[] {1, 11}, 2);
                final double[] e = ops.reveal(ops.exp(x));
                final double[] r = ops.reveal(ops.reciprocal(x));
                return new double[] {e[0], e[1], r[0], r[1]};
            }
        }).get(0);
        assertArrayEquals(new double[] {Math.E, Math.exp(11), 1, 1.0 / 11}, fine, 1e-3 * Math.exp(11));
    }

    @Test
    void shouldNameTheLabelOfWhatTheProgramComputedAndRestoreThePreviousOne() {
        final CheckedModeException e = refusal(2, ops -> {
            assertTrue(ops.checked());
            try (Label outer = ops.label("network");
                 Label inner = ops.label("layer 3 (Conv2d), forward")) {
                return square(ops, 1e5);
            }
        });
        assertEquals("layer 3 (Conv2d), forward", e.label());
        assertMessage(e, "mul left its range in layer 3 (Conv2d), forward: a product");
        final List<String> labels = LocalParties.builder().build().run(ops -> {
            assertFalse(ops.checked());
            final StringBuilder seen = new StringBuilder(ops.label());
            try (Label outer = ops.label("a")) {
                seen.append('|').append(ops.label());
                try (Label inner = ops.label("b")) {
                    seen.append('|').append(ops.label());
                }
                seen.append('|').append(ops.label());
            }
            return seen.append('|').append(ops.label()).toString();
        });
        assertEquals("|a|b|a|", labels.get(0));
    }

    @Test
    void shouldReportAProductThatDiffersFromItsTwinWhenAPartyDeviates() {
        // The review's deviating party: adding 1000 to its share of a product before a ReLU went unnoticed.
        final Function<SecureOps, double[]> program = ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = input(ops, 0, new double[] {1.5, -2, 3}, 3);
                final SecretTensor w = input(ops, 1, new double[] {2, 2, -1}, 3);
                return ops.reveal(ops.relu(ops.mul(x, w)));
            }
        };
        final double[] accepted = LocalParties.builder().suite(new DeviatingSuite()).build().run(program).get(0);
        assertArrayEquals(new double[] {1003, 996, 997}, accepted, 1e-3, "unchecked, the deviation is accepted");
        final PartyFailureException f = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().suite(new DeviatingSuite()).checked(true).timeout(LONG).build().run(program));
        final CheckedModeException e = assertInstanceOf(CheckedModeException.class, f.getCause(), f.toString());
        assertEquals(Reason.MISMATCH, e.reason());
        assertEquals("mul", e.operation());
        assertMessage(e, "mul differs from its plaintext twin", "a party deviated");
    }

    @Test
    void shouldReportPartiesThatRunDifferentOperations() {
        final CheckedModeException e = refusal(3, ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = input(ops, 0, new double[] {1, 2}, 2);
                return ops.reveal(ops.session().partyId() == 1 ? ops.sub(x, x) : ops.add(x, x));
            }
        });
        assertEquals(Reason.DIVERGED, e.reason());
        assertMessage(e, "the parties ran different operations", "ran sub", "ran add");
    }

    @Test
    void shouldReportAPartyThatFinishedWhileAnotherWaitsAtAnOperationWithoutWaitingForTheTimeOut() {
        final CheckedModeException e = refusal(2, ops -> {
            try (Scope s = ops.scope()) {
                final SecretTensor x = input(ops, 0, new double[] {1, 2}, 2);
                if (ops.session().partyId() == 0) {
                    ops.add(x, x); // local: unchecked, party 0 would not notice that party 1 never computes it
                }
                return new double[0];
            }
        });
        assertEquals(Reason.DIVERGED, e.reason(), "not a time-out: " + e.getMessage());
        assertMessage(e, "add was not reached by every party: party 1 finished its program first");
    }

    @Test
    void shouldReportTheFailingPartysOwnErrorRatherThanTheMeetingItLeft() {
        final IllegalStateException boom = new IllegalStateException("party 1 gives up");
        final PartyFailureException f = assertThrows(PartyFailureException.class,
            () -> checked(3).run(ops -> {
                try (Scope s = ops.scope()) {
                    final SecretTensor x = input(ops, 0, new double[] {1, 2}, 2);
                    if (ops.session().partyId() == 1) {
                        throw boom;
                    }
                    return ops.reveal(ops.add(x, x));
                }
            }));
        assertEquals(1, f.party());
        assertEquals(boom, f.getCause());
    }

    // ====================================================================================== identical runs

    @Test
    void shouldGiveTheSameResultsRoundsAndBytesAsAnUncheckedRun() {
        final long seed = SEEDS.nextLong();
        for (final ProtocolSuite suite : new ProtocolSuite[] {new ClearSuite(), new AdditiveSuite()}) {
            for (final int parties : new int[] {2, 3, 4}) {
                final String where = suite.name() + ", " + parties + " parties, seed " + seed;
                final List<Outcome> plain = runner(suite, parties, false).run(ops -> everything(ops, seed));
                final List<Outcome> checked = runner(suite, parties, true).run(ops -> everything(ops, seed));
                for (int p = 0; p < parties; p++) {
                    final Outcome u = plain.get(p);
                    final Outcome c = checked.get(p);
                    assertEquals(u.counters().keySet(), c.counters().keySet(), where);
                    for (final Map.Entry<String, long[]> op : u.counters().entrySet()) {
                        assertArrayEquals(op.getValue(), c.counters().get(op.getKey()),
                            where + ", party " + p + ": calls, rounds, bytes sent, dealer bytes of " + op.getKey());
                    }
                    for (int i = 0; i < u.exact().size(); i++) {
                        assertArrayEquals(u.exact().get(i), c.exact().get(i), where + ", exact result " + i);
                    }
                    for (int i = 0; i < u.truncated().size(); i++) {
                        final long[] a = u.truncated().get(i);
                        final long[] b = c.truncated().get(i);
                        if (suite instanceof ClearSuite) {
                            assertArrayEquals(a, b, where + ", truncated result " + i);
                        } else {
                            // The additive suite's truncation rounds by the dealer's fresh randomness: both runs lie
                            // within the operations' published bounds (1 ulp a product; exp's 5e-6 relative).
                            for (int e = 0; e < a.length; e++) {
                                final double va = Math.scalb((double) a[e], -F);
                                final double vb = Math.scalb((double) b[e], -F);
                                assertEquals(va, vb, 1e-3 + 1e-5 * Math.abs(va), where + ", truncated result " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * What a run of {@link #everything} shows a party: the opened results of the exact operations and of those that
     * truncate, and its counters per operation (calls, rounds, bytes sent, dealer bytes; "total" for the session).
     */
    private record Outcome(List<long[]> exact, List<long[]> truncated, Map<String, long[]> counters) {
    }

    /** Every checked operation on in-range random values, edge values of the product range included. */
    private static Outcome everything(final SecureOps ops, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final int last = ops.session().parties() - 1;
        final List<long[]> exact = new ArrayList<>();
        final List<long[]> truncated = new ArrayList<>();
        final Conv2dSpec spec = Conv2dSpec.of(1, 1);
        try (Scope s = ops.scope();
             RingTensor p = RingTensor.of(encode(new double[] {1.5, -2, 0.25, 3}), 4);
             RingTensor pw = RingTensor.of(encode(new double[] {0.5, -1, 2, 0.125, 1, -0.75, 3, 0.25}), 4, 2)) {
            final SecretTensor a = input(ops, 0, reals(r, 12, 30), 3, 4);
            final SecretTensor b = input(ops, last, reals(r, 12, 30), 3, 4);
            final SecretTensor w = input(ops, last, reals(r, 20, 2), 4, 5);
            final SecretTensor img = input(ops, 0, reals(r, 50, 1), 2, 1, 5, 5);
            final SecretTensor k = input(ops, last, reals(r, 27, 1), 3, 1, 3, 3);
            final SecretTensor g = input(ops, 0, reals(r, 150, 1), 2, 3, 5, 5);
            final SecretTensor small = input(ops, 0, reals(r, 6, 5), 6);
            final SecretTensor positive = input(ops, last, new double[] {0.5, 1, 3.25, 100, 7, 0.01}, 6);
            final SecretTensor edge = input(ops, 0, new double[] {32767.9, -32767.9, 32767.9}, 3);
            final SecretTensor cancelX = input(ops, 0, new double[] {3e4, 3e4, -3e4, -3e4}, 1, 4);
            final SecretTensor cancelY = input(ops, last, new double[] {3e4, 3e4, 3e4, 3e4}, 4, 1);
            final SecretTensor mask = ops.reluDerivative(a);
            final SecureOps.MaxPoolResult pooled = ops.maxPool2d(img, 2, 2, 1, 1);
            for (final SecretTensor t : new SecretTensor[] {ops.add(a, b), ops.sub(a, b), ops.neg(a),
                ops.addPublic(a, p), ops.mulInteger(a, -7), ops.sum(a, 1), ops.relu(a), mask,
                ops.lessThanZero(a), ops.where(ops.lessThanZero(a), a, b), ops.max(a, b), pooled.values(),
                pooled.argmaxMask(), ops.argmax(a), ops.mul(a, mask)}) {
                exact.add(open(ops, t));
            }
            for (final SecretTensor t : new SecretTensor[] {ops.mul(a, b), ops.matmul(a, w, false, false),
                ops.matmul(b, a, true, false), ops.conv2d(img, k, spec),
                ops.conv2dBackwardInput(g, k, spec, 2, 1, 5, 5), ops.conv2dBackwardWeight(img, g, spec, 3, 1, 3, 3),
                ops.mulPublic(a, p, F), ops.matmulPublic(a, pw, F, false, false), ops.truncate(a, 4),
                ops.exp(small), ops.reciprocal(positive), ops.softmax(a), ops.mul(edge, edge),
                ops.matmul(cancelX, cancelY, false, false)}) {
                truncated.add(open(ops, t));
            }
        }
        final Map<String, long[]> counters = new LinkedHashMap<>();
        ops.session().stats().operations().forEach((name, c) -> counters.put(name, counts(c)));
        counters.put("total", counts(ops.session().stats().total()));
        return new Outcome(exact, truncated, counters);
    }

    private static long[] counts(final Counters c) {
        return new long[] {c.calls(), c.rounds(), c.bytesSent(), c.dealerBytes()};
    }

    // ============================================================================================== helpers

    private static LocalParties checked(final int parties) {
        return runner(new AdditiveSuite(), parties, true);
    }

    private static LocalParties runner(final ProtocolSuite suite, final int parties, final boolean checked) {
        return LocalParties.builder().parties(parties).suite(suite).checked(checked).timeout(LONG).build();
    }

    /** The checked-mode exception that stops {@code program} on {@code parties} checked parties. */
    private static <T> CheckedModeException refusal(final int parties, final Function<SecureOps, T> program) {
        final PartyFailureException f = assertThrows(PartyFailureException.class,
            () -> checked(parties).run(program));
        return assertInstanceOf(CheckedModeException.class, f.getCause(), f.toString());
    }

    private static <T> void assertDomain(final String operation, final String domain,
                                         final Function<SecureOps, T> program) {
        final CheckedModeException e = refusal(2, ops -> {
            try (Scope s = ops.scope()) {
                return program.apply(ops);
            }
        });
        assertEquals(Reason.DOMAIN, e.reason(), e.getMessage());
        assertEquals(operation, e.operation());
        assertMessage(e, operation + " left its domain: an input lies outside its domain, " + domain + " (");
    }

    /** The message holds every fragment and names no value: never a digit string longer than the bounds' own. */
    private static void assertMessage(final CheckedModeException e, final String... fragments) {
        final String m = e.getMessage();
        for (final String fragment : fragments) {
            assertTrue(m.contains(fragment), "missing \"" + fragment + "\" in: " + m);
        }
        assertFalse(m.matches("(?s).*\\d{5,}.*"), "a message with a value in it: " + m);
    }

    /** {@code x * x} for {@code x} shared by party 0, revealed. */
    private static double[] square(final SecureOps ops, final double x) {
        try (Scope s = ops.scope()) {
            final SecretTensor t = input(ops, 0, new double[] {x}, 1);
            return ops.reveal(ops.mul(t, t));
        }
    }

    /** {@code x · 3e4} over four terms: x shared by party 0 as a row, 3e4 by the last party as a column. */
    private static double[] dot(final SecureOps ops, final double[] x) {
        try (Scope s = ops.scope()) {
            final SecretTensor row = input(ops, 0, x, 1, 4);
            final SecretTensor column = input(ops, ops.session().parties() - 1, new double[] {3e4, 3e4, 3e4, 3e4},
                4, 1);
            return ops.reveal(ops.matmul(row, column, false, false));
        }
    }

    // ====================================================================================== deviating suite

    /**
     * The additive suite with party 0 adding 1000 (in real units, after the truncation) to its share of every
     * product: a party that deviates from the protocol, which a semi-honest suite does not detect.
     */
    private static final class DeviatingSuite implements ProtocolSuite {
        private final AdditiveSuite honest = new AdditiveSuite();

        @Override
        public String name() {
            return "deviating";
        }

        @Override
        public List<HelperRole> helperRoles() {
            return honest.helperRoles();
        }

        @Override
        public SecurePrimitives init(final Session session) {
            final SecurePrimitives p = honest.init(session);
            return new SecurePrimitives() {
                @Override
                public Session session() {
                    return p.session();
                }

                @Override
                public Optional<Preprocessing> preprocessing() {
                    return p.preprocessing();
                }

                @Override
                public RingTensor input(final int owner, final RingTensor value, final int... shape) {
                    return p.input(owner, value, shape);
                }

                @Override
                public RingTensor open(final RingTensor share) {
                    return p.open(share);
                }

                @Override
                public RingTensor openTo(final int party, final RingTensor share) {
                    return p.openTo(party, share);
                }

                @Override
                public RingTensor addPublic(final RingTensor x, final RingTensor y) {
                    return p.addPublic(x, y);
                }

                @Override
                public RingTensor multiply(final Bilinear op, final RingTensor x, final RingTensor y) {
                    final RingTensor z = p.multiply(op, x, y);
                    if (session.partyId() == 0) {
                        session.backend().addScalar(z, 1000L << (2 * F), z);
                    }
                    return z;
                }

                @Override
                public RingTensor truncate(final RingTensor x, final int bits) {
                    return p.truncate(x, bits);
                }

                @Override
                public RingTensor lessThanZero(final RingTensor x) {
                    return p.lessThanZero(x);
                }

                @Override
                public RingTensor nonNegative(final RingTensor x) {
                    return p.nonNegative(x);
                }

                @Override
                public RingTensor relu(final RingTensor x) {
                    return p.relu(x);
                }
            };
        }
    }
}
