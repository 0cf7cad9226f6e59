package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.ring.FixedPoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The protocols over TCP with TLS give what they give in-process, bit for bit, with the same counters: the same
 * program on the same insecure master seed ({@code insecure-seed} in the configuration, {@code insecureSeed} of
 * {@link LocalParties}), once on the in-process network and once with every party and the dealer an
 * {@link EndpointRuntime} on loopback.
 */
final class ProtocolsOverTcpTest {
    private static final String SEED = "over-tcp-1";

    @TempDir
    Path dir;

    /** What a party saw: every revealed value, its counters per operation and in total, its frame count. */
    record Seen(List<double[]> revealed, Map<String, Counters> operations, Counters total, long framesSent,
                long bytesSent) {
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void shouldMatchTheInProcessRunBitForBit(final int parties) {
        final Backend backend = Backends.byName("java");
        final FixedPoint fp = new FixedPoint(16);
        final Function<SecureOps, Seen> program = ProtocolsOverTcpTest::mixedProgram;
        final List<Seen> reference = LocalParties.builder().parties(parties).backend(backend).fixedPoint(fp)
            .insecureSeed(SEED).build().run(program);
        final Loopback net = Loopback.create(dir, parties, List.of("dealer"), "insecure-seed = " + SEED + "\n");
        final List<Seen> overTcp = TcpParties.runtimes(net.config(), new AdditiveSuite(),
            c -> c.backend(backend).allowInsecureSeed(true), program).orThrow();
        for (int p = 0; p < parties; p++) {
            final Seen a = reference.get(p);
            final Seen b = overTcp.get(p);
            assertEquals(a.revealed().size(), b.revealed().size());
            for (int i = 0; i < a.revealed().size(); i++) {
                assertArrayEquals(a.revealed().get(i), b.revealed().get(i), "party " + p + ", value " + i);
            }
            assertEquals(a.operations().keySet(), b.operations().keySet());
            for (final String op : a.operations().keySet()) {
                final Counters x = a.operations().get(op);
                final Counters y = b.operations().get(op);
                assertEquals(List.of(x.calls(), x.rounds(), x.bytesSent(), x.dealerBytes()),
                    List.of(y.calls(), y.rounds(), y.bytesSent(), y.dealerBytes()), "party " + p + ", " + op);
            }
            assertEquals(List.of(a.total().rounds(), a.total().bytesSent(), a.total().dealerBytes()),
                List.of(b.total().rounds(), b.total().bytesSent(), b.total().dealerBytes()), "party " + p + " total");
            assertEquals(a.framesSent(), b.framesSent(), "party " + p + " frames");
            assertEquals(a.bytesSent(), b.bytesSent(), "party " + p + " bytes");
        }
    }

    @org.junit.jupiter.api.Test
    void shouldRunALocalClusterOverTlsOnLoopbackBitForBit() {
        final Backend backend = Backends.byName("java");
        final LocalParties.Builder parties = LocalParties.builder().parties(3).backend(backend).insecureSeed(SEED);
        final List<Seen> reference = parties.build().run(ProtocolsOverTcpTest::mixedProgram);
        final List<Seen> overTls = parties.network(LoopbackNetwork.factory(c -> c)).build()
            .run(ProtocolsOverTcpTest::mixedProgram);
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < reference.get(p).revealed().size(); i++) {
                assertArrayEquals(reference.get(p).revealed().get(i), overTls.get(p).revealed().get(i),
                    "party " + p + ", value " + i);
            }
            assertEquals(reference.get(p).total().rounds(), overTls.get(p).total().rounds());
            assertEquals(reference.get(p).bytesSent(), overTls.get(p).bytesSent());
        }
        assertEquals(0, Loopback.threads("obscura-net-"), "I/O threads left running");
    }

    /** Inputs of two owners, every kind of operation, a prefetched replay, reveals to all and to one party. */
    static Seen mixedProgram(final SecureOps ops) {
        final int me = ops.session().partyId();
        final SplittableRandom random = new SplittableRandom(42);
        final double[] a = values(random, 7 * 5);
        final double[] b = values(random, 5 * 3);
        final double[] img = values(random, 2 * 6 * 6);
        final List<double[]> revealed = new ArrayList<>();
        try (SecretTensor x = ops.input(0, me == 0 ? a : null, 7, 5);
             SecretTensor w = ops.input(1, me == 1 ? b : null, 5, 3);
             SecretTensor xx = ops.mul(x, x);
             SecretTensor y = ops.matmul(x, w, false, false);
             SecretTensor r = ops.relu(y);
             SecretTensor neg = ops.lessThanZero(y);
             SecretTensor am = ops.argmax(y);
             SecretTensor t = ops.truncate(xx, 3);
             SecretTensor im = ops.input(0, me == 0 ? img : null, 1, 2, 6, 6);
             SecureOps.MaxPoolResult pool = ops.maxPool2d(im, 2, 2, 2, 2)) {
            revealed.add(ops.reveal(xx));
            revealed.add(ops.reveal(y));
            revealed.add(ops.reveal(r));
            revealed.add(ops.reveal(neg));
            revealed.add(ops.reveal(am));
            revealed.add(ops.reveal(t));
            revealed.add(ops.reveal(pool.values()));
            final double[] toOne = ops.revealTo(parties(ops) - 1, r);
            revealed.add(toOne == null ? new double[0] : toOne);
        }
        ops.preprocessing().ifPresent(pre -> {
            pre.startRecording();
            try (SecretTensor x = ops.input(0, me == 0 ? a : null, 7, 5); SecretTensor z = ops.relu(x)) {
                revealed.add(ops.reveal(z));
            }
            pre.prefetch(pre.stopRecording());
            try (SecretTensor x = ops.input(0, me == 0 ? a : null, 7, 5); SecretTensor z = ops.relu(x)) {
                revealed.add(ops.reveal(z));
            }
        });
        return new Seen(revealed, Map.copyOf(ops.session().stats().operations()), ops.session().stats().total(),
            ops.session().transport().framesSent(), ops.session().transport().bytesSent());
    }

    private static int parties(final SecureOps ops) {
        return ops.session().parties();
    }

    private static double[] values(final SplittableRandom random, final int n) {
        final double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble(-60, 60);
        }
        v[0] = 0;
        return v;
    }
}
