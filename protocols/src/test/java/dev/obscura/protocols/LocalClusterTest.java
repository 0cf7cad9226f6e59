package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.additive.AdditiveSuite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

class LocalClusterTest {

    @Test
    void shouldKeepSessionsAndSharesAcrossRuns() {
        final AtomicReferenceArray<SecretTensor> kept = new AtomicReferenceArray<>(3);
        try (LocalCluster cluster = LocalParties.builder().parties(3).build().start()) {
            cluster.run(ops -> {
                final int me = ops.session().partyId();
                kept.set(me, ops.input(1, me == 1 ? new double[] {1.5, -2} : null, 2));
                return null;
            });
            for (int round = 1; round <= 3; round++) {
                final double factor = round;
                final List<double[]> out = cluster.run(ops -> {
                    final SecretTensor x = kept.get(ops.session().partyId());
                    try (SecretTensor k = ops.constant(new double[] {factor, factor}, 2);
                         SecretTensor y = ops.mul(x, k)) {
                        return ops.reveal(y);
                    }
                });
                for (final double[] r : out) {
                    assertArrayEquals(new double[] {1.5 * factor, -2 * factor}, r, 1e-4);
                }
            }
            for (int p = 0; p < 3; p++) {
                kept.get(p).close();
            }
        }
    }

    @Test
    void shouldRefuseFurtherRunsAfterAFailure() {
        try (LocalCluster cluster = LocalParties.builder().parties(2).timeout(Duration.ofSeconds(20)).build()
            .start()) {
            final long start = System.nanoTime();
            final PartyFailureException e = assertThrows(PartyFailureException.class, () -> cluster.run(ops -> {
                if (ops.session().partyId() == 1) {
                    throw new IllegalArgumentException("boom");
                }
                try (SecretTensor x = ops.input(0, new double[] {1}, 1)) {
                    return ops.reveal(x);
                }
            }));
            assertEquals(1, e.party());
            assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000, "the failure must not wait for the time-out");
            final IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> cluster.run(ops -> null));
            assertTrue(again.getMessage().contains("failed earlier"), again.getMessage());
        }
    }

    @Test
    void shouldRefuseRunsAfterClose() {
        final LocalCluster cluster = LocalParties.builder().build().start();
        cluster.close();
        cluster.close();
        assertThrows(IllegalStateException.class, () -> cluster.run(ops -> null));
    }

    @Test
    void shouldRunASuiteWithTwoHelperRoles() {
        // Helper 0 is the additive suite's dealer; helper 1 (endpoint parties + 1) sends each party its id plus a
        // constant, which the parties read through Session.helperId(1): both helper endpoints are really there.
        final ProtocolSuite twoHelpers = new TwoHelperSuite();
        final List<double[]> out = LocalParties.builder().parties(3).suite(twoHelpers).build().run(ops -> {
            final Session session = ops.session();
            assertEquals(2, session.helpers());
            final byte[] note = session.transport().receiveBytes(session.helperId(1));
            assertEquals(1, note.length);
            final int me = session.partyId();
            assertEquals(me + 40, note[0]);
            try (SecretTensor x = ops.input(0, me == 0 ? new double[] {1.5, -3} : null, 2);
                 SecretTensor y = ops.mul(x, x)) {
                return ops.reveal(y);
            }
        });
        for (final double[] r : out) {
            assertArrayEquals(new double[] {2.25, 9}, r, 1e-3);
        }
    }

    @Test
    void shouldDrawTheSameSeedsFromTheSameInsecureMasterSeed() {
        final List<List<long[]>> runs = new ArrayList<>();
        for (final String seed : new String[] {"run-1", "run-1", "run-2", null}) {
            runs.add(LocalParties.builder().parties(2).insecureSeed(seed).build().run(ops -> {
                final int me = ops.session().partyId();
                // A share of an input, and of a product (a dealer triple and a truncation mask went into it).
                try (SecretTensor x = ops.input(0, me == 0 ? new double[] {1.25, -7.5, 3} : null, 3);
                     SecretTensor y = ops.mul(x, x)) {
                    final long[] a = x.share().toArray();
                    final long[] b = y.share().toArray();
                    final long[] both = new long[a.length + b.length];
                    System.arraycopy(a, 0, both, 0, a.length);
                    System.arraycopy(b, 0, both, a.length, b.length);
                    return both;
                }
            }));
        }
        for (int p = 0; p < 2; p++) {
            assertArrayEquals(runs.get(0).get(p), runs.get(1).get(p), "same master seed, party " + p);
            assertTrue(!java.util.Arrays.equals(runs.get(0).get(p), runs.get(2).get(p)), "another master seed");
            assertTrue(!java.util.Arrays.equals(runs.get(0).get(p), runs.get(3).get(p)), "secure seeds");
        }
        assertThrows(IllegalArgumentException.class, () -> LocalParties.builder().insecureSeed("no spaces"));
    }

    /** The additive suite and a second helper that greets each party once. */
    private static final class TwoHelperSuite implements ProtocolSuite {
        private final AdditiveSuite additive = new AdditiveSuite();

        @Override
        public String name() {
            return "additive-and-greeter";
        }

        @Override
        public List<HelperRole> helperRoles() {
            final List<HelperRole> roles = new ArrayList<>(additive.helperRoles());
            roles.add(new HelperRole("greeter", (transport, backend, seeds) -> {
                for (int p = 0; p < transport.parties(); p++) {
                    transport.sendBytes(p, new byte[] {(byte) (p + 40)});
                }
            }));
            return roles;
        }

        @Override
        public SecurePrimitives init(final Session session) {
            return additive.init(session);
        }
    }
}
