package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.Transport;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.dealer.BeaverTriple;
import dev.obscura.protocols.dealer.TruncationPair;
import dev.obscura.protocols.transport.InProcessNetwork;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What a party's memory dumps, logs and error reports may show: shares look uniformly random, and no exception
 * message or {@code toString()} contains a share, a mask, a seed or an input value.
 */
final class SecurityHygieneTest {
    /** Shares per chi-square test. */
    private static final int SHARES = 1_000_000;
    /**
     * Critical value of the chi-square distribution with 255 degrees of freedom for p = 1e-6 (the upper tail): a
     * uniform top byte exceeds it once in a million tests. Computed with SciPy, {@code chi2.isf(1e-6, 255)}.
     */
    static final double CHI_SQUARE_255_P_1E6 = 377.08;

    // ====================================================================================== (a) uniform shares

    @Test
    void shouldGiveStatisticallyUniformShares() {
        final long[] secrets = {0, 1, Long.MAX_VALUE};
        final List<List<double[]>> out = LocalParties.builder().parties(2).build().run(ops -> {
            // {chi-square of the top byte, of the low byte} of this party's share of each secret
            final List<double[]> stats = new ArrayList<>();
            for (final long s : secrets) {
                for (final int owner : new int[] {0, 1}) {
                    try (SecretTensor x = constantRing(ops, owner, s)) {
                        stats.add(byteStatistics(x.share().toArray()));
                    }
                }
            }
            // A product's shares: the last party's holds the dealer's correction, the others' the opened masks.
            try (SecretTensor x = constantRing(ops, 0, 1);
                 SecretTensor y = constantRing(ops, 1, Long.MAX_VALUE);
                 SecretTensor z = ops.mul(x, y)) {
                stats.add(byteStatistics(z.share().toArray()));
            }
            return stats;
        });
        for (int party = 0; party < 2; party++) {
            final List<double[]> stats = out.get(party);
            int i = 0;
            for (final long s : secrets) {
                for (final int owner : new int[] {0, 1}) {
                    assertUniform("party " + party + "'s share of " + s + " input by party " + owner, stats.get(i++));
                }
            }
            assertUniform("party " + party + "'s share of an integer product", stats.get(i));
        }
    }

    @Test
    void shouldDetectNonUniformDataWithTheSameTest() {
        // The test has power: the secrets themselves, or shares with a biased top bit, fail it.
        final long[] plain = new long[SHARES];
        java.util.Arrays.fill(plain, 1);
        assertTrue(chiSquare(plain, 56) > CHI_SQUARE_255_P_1E6);
        final java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        final long[] biased = new long[SHARES];
        for (int i = 0; i < SHARES; i++) {
            biased[i] = rnd.nextInt(100) < 3 ? rnd.nextLong() & Long.MAX_VALUE : rnd.nextLong();
        }
        // A 3% excess of clear top bits adds about N * 0.03^2 = 900 to the statistic.
        assertTrue(chiSquare(biased, 56) > CHI_SQUARE_255_P_1E6, "a 3% bias towards a clear top bit is detected");
    }

    private static SecretTensor constantRing(final SecureOps ops, final int owner, final long value) {
        if (ops.session().partyId() != owner) {
            return ops.inputRing(owner, null, 0, SHARES);
        }
        try (RingTensor t = RingTensor.zeros(SHARES)) {
            t.fill(value);
            return ops.inputRing(owner, t, 0, SHARES);
        }
    }

    private static double[] byteStatistics(final long[] shares) {
        assertEquals(SHARES, shares.length);
        return new double[] {chiSquare(shares, 56), chiSquare(shares, 0)};
    }

    private static void assertUniform(final String what, final double[] stats) {
        assertTrue(stats[0] < CHI_SQUARE_255_P_1E6, what + ": chi-square of the top byte " + stats[0] + " above "
            + CHI_SQUARE_255_P_1E6 + " (p = 1e-6, 255 degrees of freedom)");
        assertTrue(stats[1] < CHI_SQUARE_255_P_1E6, what + ": chi-square of the low byte " + stats[1] + " above "
            + CHI_SQUARE_255_P_1E6 + " (p = 1e-6, 255 degrees of freedom)");
    }

    /** Pearson's statistic of the byte at {@code shift} against the uniform distribution on 256 values. */
    static double chiSquare(final long[] values, final int shift) {
        final long[] counts = new long[256];
        for (final long v : values) {
            counts[(int) ((v >>> shift) & 0xFF)]++;
        }
        final double expected = values.length / 256.0;
        double chi = 0;
        for (final long c : counts) {
            chi += (c - expected) * (c - expected) / expected;
        }
        return chi;
    }

    // ============================================================================ (b) exception messages

    /** Distinctive secret inputs: their renderings cannot appear in a message by chance. */
    private static final double[] SECRET_REALS = {1234.5678, -98765.4321, 3.14159265, 271828.18};
    private static final double SECRET_OUT_OF_RANGE = 3.5e14;

    @Test
    void shouldKeepSecretsOutOfExceptionMessages() {
        final Set<String> secrets = ConcurrentHashMap.newKeySet();
        for (final double v : SECRET_REALS) {
            addRenderings(secrets, v);
            addRenderings(secrets, FixedPoint.defaultEncoding().encode(v));
        }
        addRenderings(secrets, SECRET_OUT_OF_RANGE);
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

        // Wrong shapes, at every party.
        failures.add(run(2, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets); SecretTensor y = secretInput(ops, secrets)) {
                return ops.mul(x, y.reshape(2, 2));
            }
        }));
        // Scale mismatch.
        failures.add(run(2, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets);
                 SecretTensor k = ops.inputRing(1, ops.session().partyId() == 1
                     ? RingTensor.of(new long[] {81234567L, 81234568L, 81234569L, 81234570L}, 4) : null, 0, 4)) {
                secrets.add("81234567");
                return ops.add(x, k);
            }
        }));
        // An out-of-range value at the owner: the owner fails before sending anything, the others at their next
        // receive.
        failures.add(run(3, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = ops.input(0, ops.session().partyId() == 0
                ? new double[] {SECRET_REALS[0], SECRET_OUT_OF_RANGE} : null, 2)) {
                return ops.reveal(x);
            }
        }));
        // A party throwing in the middle of a computation.
        failures.add(run(3, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets); SecretTensor y = ops.mul(x, x)) {
                recordShares(secrets, y);
                if (ops.session().partyId() == 1) {
                    throw new IllegalStateException("party 1 gives up");
                }
                return ops.reveal(y);
            }
        }));
        // A time-out: party 1 stalls past the transport's time-out.
        failures.add(run(2, Duration.ofMillis(300), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets)) {
                if (ops.session().partyId() == 1) {
                    sleep(700);
                }
                return ops.reveal(x);
            }
        }));
        // Parties running different programs: frames of the wrong size.
        failures.add(run(2, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets); SecretTensor half = ops.sum(x.reshape(2, 2), 0)) {
                recordShares(secrets, half);
                return ops.session().partyId() == 0 ? ops.reveal(x) : ops.reveal(half);
            }
        }));
        // Invalid truncation and reveal target.
        failures.add(run(2, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets)) {
                return ops.truncate(x, 17);
            }
        }));
        failures.add(run(2, Duration.ofSeconds(10), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets)) {
                return ops.revealTo(2, x);
            }
        }));
        // A computation that diverges from its prefetched plan.
        failures.add(run(2, Duration.ofSeconds(10), secrets, failures, ops -> {
            final Preprocessing pre = ops.preprocessing().orElseThrow();
            try (SecretTensor x = secretInput(ops, secrets)) {
                pre.startRecording();
                ops.mul(x, x).close();
                pre.prefetch(pre.stopRecording());
                return ops.matmul(x.reshape(2, 2), x.reshape(2, 2), false, false);
            }
        }));
        // The dealer failing.
        failures.add(runSuite(new FailingDealerSuite(), secrets, failures, ops -> {
            try (SecretTensor x = secretInput(ops, secrets)) {
                return ops.mul(x, x);
            }
        }));

        final List<String> messages = new ArrayList<>();
        for (final Throwable t : failures) {
            collectMessages(t, messages, Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        }
        assertTrue(messages.size() > 20, "the provocations produced failures: " + messages.size());
        for (final String m : messages) {
            for (final String s : secrets) {
                if (m.contains(s)) {
                    fail("an exception message contains the secret rendering " + s + ": " + m);
                }
            }
        }
    }

    @Test
    void shouldKeepSeedsAndMasksOutOfExceptionMessages() throws Exception {
        // Every byte that crosses the network (pairwise and dealer seeds, masked openings, dealer corrections) is
        // recorded as a secret; then the computations fail in four ways.
        final Set<String> secrets = ConcurrentHashMap.newKeySet();
        for (final double v : SECRET_REALS) {
            addRenderings(secrets, v);
        }
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        failures.addAll(runRecorded(3, Duration.ofSeconds(10), secrets, ops -> {
            try (SecretTensor x = secretInput(ops, secrets); SecretTensor y = ops.mul(x, x)) {
                recordShares(secrets, y);
                return ops.mul(x, y.reshape(2, 2)); // wrong shapes
            }
        }));
        failures.addAll(runRecorded(2, Duration.ofSeconds(10), secrets, ops -> {
            try (SecretTensor x = secretInput(ops, secrets);
                 SecretTensor xx = ops.mul(x, x);
                 SecretTensor y = ops.truncate(xx, 4);
                 SecretTensor half = ops.sum(y.reshape(2, 2), 0)) {
                recordShares(secrets, y);
                recordShares(secrets, half);
                // different programs: frames of the wrong size
                return ops.session().partyId() == 0 ? ops.open(y) : ops.open(half);
            }
        }));
        failures.addAll(runRecorded(2, Duration.ofMillis(250), secrets, ops -> {
            try (SecretTensor x = secretInput(ops, secrets); SecretTensor y = ops.mul(x, x)) {
                recordShares(secrets, y);
                if (ops.session().partyId() == 1) {
                    sleep(600); // stalls past the time-out
                }
                return ops.reveal(y);
            }
        }));
        failures.addAll(runRecorded(3, Duration.ofSeconds(10), secrets, ops -> {
            try (SecretTensor x = secretInput(ops, secrets); SecretTensor y = ops.mul(x, x)) {
                recordShares(secrets, y);
                if (ops.session().partyId() == 2) {
                    throw new IllegalStateException("party 2 gives up");
                }
                return ops.reveal(y);
            }
        }));
        final List<String> messages = new ArrayList<>();
        for (final Throwable t : failures) {
            collectMessages(t, messages, Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        }
        assertTrue(failures.size() >= 8, "every run failed at several endpoints: " + failures.size());
        assertTrue(secrets.size() > 500, "the network traffic was recorded: " + secrets.size());
        for (final String m : messages) {
            for (final String s : secrets) {
                if (m.contains(s)) {
                    fail("an exception message contains the secret rendering " + s + ": " + m);
                }
            }
        }
    }

    /**
     * Runs the additive suite by hand (so that every endpoint's traffic can be recorded) and returns every
     * endpoint's exception.
     */
    private static List<Throwable> runRecorded(final int parties, final Duration timeout, final Set<String> secrets,
                                               final Function<SecureOps, Object> program) throws Exception {
        final ProtocolSuite suite = new AdditiveSuite();
        final Backend backend = Backends.byName("java");
        final List<Throwable> out = Collections.synchronizedList(new ArrayList<>());
        try (InProcessNetwork net = new InProcessNetwork(parties, true, timeout)) {
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p <= parties; p++) {
                final int id = p;
                final Transport t = new RecordingTransport(net.endpoint(id), secrets);
                threads.add(new Thread(() -> {
                    try {
                        if (id >= parties) {
                            suite.helperRoles().get(id - parties).run(t, backend);
                        } else {
                            try (Session session = Session.establish(t, backend, FixedPoint.defaultEncoding(),
                                suite.helperRoles().size())) {
                                program.apply(new SecureOps(suite.init(session)));
                            }
                        }
                    } catch (RuntimeException | Error e) {
                        out.add(e);
                        net.fail((id == parties ? "the dealer" : "party " + id) + " failed: "
                            + e.getClass().getSimpleName());
                    }
                }, "hygiene-" + id));
            }
            threads.forEach(Thread::start);
            for (final Thread th : threads) {
                th.join(20_000);
                assertFalse(th.isAlive(), "a thread of the recorded run hangs");
            }
        }
        assertFalse(out.isEmpty(), "the recorded run failed");
        return out;
    }

    /** Records, as secrets, the renderings of every byte string and ring element an endpoint sends. */
    private static final class RecordingTransport extends ForwardingTransport {
        private final Set<String> secrets;

        RecordingTransport(final Transport t, final Set<String> secrets) {
            super(t);
            this.secrets = secrets;
        }

        @Override
        public void send(final int peer, final RingTensor... parts) {
            for (final RingTensor p : parts) {
                for (final long v : p.toArray()) {
                    addRenderings(secrets, v);
                }
            }
            t.send(peer, parts);
        }

        @Override
        public void sendBytes(final int peer, final byte[] bytes) {
            addByteRenderings(secrets, bytes);
            t.sendBytes(peer, bytes);
        }
    }

    /** Hex (both cases), Base64, {@code Arrays.toString} and the little- and big-endian longs of a byte string. */
    private static void addByteRenderings(final Set<String> out, final byte[] bytes) {
        if (bytes.length < 8) {
            return;
        }
        out.add(HexFormat.of().formatHex(bytes));
        out.add(HexFormat.of().withUpperCase().formatHex(bytes));
        out.add(Base64.getEncoder().encodeToString(bytes));
        out.add(java.util.Arrays.toString(bytes));
        for (int at = 0; at + 8 <= bytes.length; at += 8) {
            addRenderings(out, ByteBuffer.wrap(bytes, at, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
            addRenderings(out, ByteBuffer.wrap(bytes, at, 8).order(ByteOrder.BIG_ENDIAN).getLong());
        }
    }

    /** Runs {@code program}, which must fail; returns the failure after recording every party's exception. */
    private static Throwable run(final int parties, final Duration timeout, final Set<String> secrets,
                                 final List<Throwable> partyFailures, final Function<SecureOps, Object> program) {
        return runWith(LocalParties.builder().parties(parties).timeout(timeout).build(), secrets, partyFailures,
            program);
    }

    private static Throwable runSuite(final ProtocolSuite suite, final Set<String> secrets,
                                      final List<Throwable> partyFailures, final Function<SecureOps, Object> program) {
        return runWith(LocalParties.builder().suite(suite).timeout(Duration.ofSeconds(10)).build(), secrets,
            partyFailures, program);
    }

    private static Throwable runWith(final LocalParties parties, final Set<String> secrets,
                                     final List<Throwable> partyFailures, final Function<SecureOps, Object> program) {
        return assertThrows(PartyFailureException.class, () -> parties.run(ops -> {
            try {
                return program.apply(ops);
            } catch (RuntimeException | Error e) {
                partyFailures.add(e);
                throw e;
            }
        }));
    }

    /** Shares the secret reals (owned by party 0) and records this party's shares as secrets. */
    private static SecretTensor secretInput(final SecureOps ops, final Set<String> secrets) {
        final SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? SECRET_REALS : null, 4);
        recordShares(secrets, x);
        return x;
    }

    private static void recordShares(final Set<String> secrets, final SecretTensor x) {
        for (final long s : x.share().toArray()) {
            addRenderings(secrets, s);
        }
    }

    private static void addRenderings(final Set<String> out, final long v) {
        for (final String s : new String[] {Long.toString(v), Long.toUnsignedString(v), Long.toHexString(v),
            Long.toHexString(v).toUpperCase(Locale.ROOT), String.format("%016x", v)}) {
            if (s.replace("-", "").length() >= 5) {
                out.add(s);
            }
        }
    }

    private static void addRenderings(final Set<String> out, final double v) {
        for (final String s : new String[] {Double.toString(v), String.valueOf(v), String.format(Locale.ROOT, "%.4f",
            v), String.format(Locale.ROOT, "%f", v), String.format(Locale.ROOT, "%e", v), Double.toHexString(v),
            Long.toHexString(Double.doubleToLongBits(v))}) {
            out.add(s);
        }
        addRenderings(out, (long) v);
    }

    private static void collectMessages(final Throwable t, final List<String> out, final Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        out.add(String.valueOf(t.getMessage()));
        out.add(t.toString());
        collectMessages(t.getCause(), out, seen);
        for (final Throwable s : t.getSuppressed()) {
            collectMessages(s, out, seen);
        }
    }

    private static void sleep(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The additive suite whose dealer dies at once. */
    private static final class FailingDealerSuite implements ProtocolSuite {
        private final AdditiveSuite delegate = new AdditiveSuite();

        @Override
        public String name() {
            return "failing-dealer";
        }

        @Override
        public List<HelperRole> helperRoles() {
            return List.of(new HelperRole("dealer", (transport, backend, seeds) -> {
                throw new IllegalStateException("the dealer ran out of entropy");
            }));
        }

        @Override
        public SecurePrimitives init(final Session session) {
            return delegate.init(session);
        }
    }

    // ================================================================================== (c) toString

    @Test
    void shouldShowNoValuesOrKeysInToString() {
        final Backend backend = Backends.byName("java");
        final long[] values = {0x1234_5678_9ABC_DEF1L, -876_543_210_987L, 424_242_424_242L};
        final Set<String> secrets = ConcurrentHashMap.newKeySet();
        for (final long v : values) {
            addRenderings(secrets, v);
        }
        final byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
        secrets.add(HexFormat.of().formatHex(key));
        secrets.add(HexFormat.of().withUpperCase().formatHex(key));
        secrets.add(java.util.Arrays.toString(key));
        secrets.add(Base64.getEncoder().encodeToString(key));
        final ByteBuffer kb = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        addRenderings(secrets, kb.getLong(0));
        addRenderings(secrets, kb.getLong(8));
        final Seed seed = Seed.fromBytes(key);
        final Prg prg = new Prg(seed, 7, backend);
        final long[] stream = new Prg(seed, 7, backend).next(4).toArray();
        prg.next(4).close();
        for (final long v : stream) {
            addRenderings(secrets, v);
        }

        final List<String> shown = new ArrayList<>();
        try (RingTensor t = RingTensor.of(values, 3);
             RingTensor a = RingTensor.of(values, 3);
             RingTensor b = RingTensor.of(values, 3);
             RingTensor c = RingTensor.of(values, 3);
             RingTensor d = RingTensor.of(values, 3);
             RingTensor e = RingTensor.of(values, 3)) {
            final SecretTensor s = new SecretTensor(RingTensor.copyOf(t), 16);
            shown.add(t.toString());
            shown.add(t.reshape(1, 3).toString());
            shown.add(s.toString());
            shown.add(seed.toString());
            shown.add(prg.toString());
            shown.add(new BeaverTriple(a, b, c).toString());
            shown.add(new TruncationPair(d, e, t).toString());
            shown.add(new SecureOps.MaxPoolResult(s, s).toString());
            s.close();
        }
        final List<List<String>> fromParties = LocalParties.builder().parties(3).build().run(ops -> {
            final List<String> r = new ArrayList<>();
            try (SecretTensor x = ops.inputRing(0, ops.session().partyId() == 0 ? RingTensor.of(values, 3) : null,
                16, 3)) {
                recordShares(secrets, x);
                r.add(x.toString());
                r.add(x.share().toString());
                r.add(ops.session().toString());
                r.add(ops.session().transport().toString());
                r.add(ops.session().privatePrg().toString());
                r.add(ops.toString());
                final Counters counters = ops.session().stats().total();
                r.add(counters.toString());
            }
            return r;
        });
        fromParties.forEach(shown::addAll);
        for (final String text : shown) {
            assertFalse(text.isEmpty());
            for (final String s : secrets) {
                if (text.contains(s)) {
                    fail("toString shows the secret rendering " + s + ": " + text);
                }
            }
        }
    }
}
