package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.SecretTensor;
import java.time.Duration;
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
}
