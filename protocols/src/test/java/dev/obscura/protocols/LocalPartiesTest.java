package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.Session;
import dev.obscura.ring.FixedPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The in-process runner: results by party, settings, reuse. Failure modes are in {@link FailureTest}. */
final class LocalPartiesTest {

    @Test
    void shouldReturnResultsIndexedByParty() {
        for (final int n : new int[] {2, 3, 5}) {
            final List<int[]> out = LocalParties.builder().parties(n).build().run(ops -> {
                final Session s = ops.session();
                return new int[] {s.partyId(), s.parties(), s.helpers(), s.helperId(0)};
            });
            assertEquals(n, out.size());
            for (int p = 0; p < n; p++) {
                assertArrayEquals(new int[] {p, n, 1, n}, out.get(p), "party " + p + " of " + n
                    + " (the dealer is the one helper, numbered after the parties)");
            }
        }
    }

    @Test
    void shouldComputeTogetherAndRevealTheSameValuesEverywhere() {
        final double[] a = {1.5, -2.25, 3, 0.125};
        final double[] b = {-4, 0.5, 2, 8};
        final List<double[]> out = LocalParties.builder().parties(3).build().run(ops -> {
            final int id = ops.session().partyId();
            try (SecretTensor x = ops.input(0, id == 0 ? a : null, 4);
                 SecretTensor y = ops.input(2, id == 2 ? b : null, 4);
                 SecretTensor z = ops.mul(x, y)) {
                return ops.reveal(z);
            }
        });
        for (final double[] r : out) {
            assertArrayEquals(new double[] {-6, -1.125, 6, 1}, r);
        }
    }

    @Test
    void shouldUseTheDefaultsAndTheGivenSettings() {
        final LocalParties defaults = LocalParties.builder().build();
        assertEquals(2, defaults.parties());
        assertEquals(Backends.defaultBackend().name(), defaults.backend().name());
        final List<String> d = defaults.run(ops -> ops.session().fixedPoint().fracBits() + " "
            + ops.session().transport().timeout());
        assertEquals(List.of("16 PT1M", "16 PT1M"), d);

        final LocalParties custom = LocalParties.builder().parties(4).backend(Backends.byName("java"))
            .fixedPoint(new FixedPoint(20)).timeout(Duration.ofSeconds(7)).build();
        final List<double[]> out = custom.run(ops -> {
            assertEquals("java", ops.session().backend().name());
            assertEquals(20, ops.session().fixedPoint().fracBits());
            assertEquals(Duration.ofSeconds(7), ops.session().transport().timeout());
            try (SecretTensor x = ops.input(3, ops.session().partyId() == 3 ? new double[] {0x1p-20} : null, 1)) {
                return ops.reveal(x);
            }
        });
        for (final double[] r : out) {
            assertArrayEquals(new double[] {0x1p-20}, r, "one ulp at 20 fractional bits survives");
        }
    }

    @Test
    void shouldRejectInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> LocalParties.builder().parties(1));
        assertThrows(IllegalArgumentException.class, () -> LocalParties.builder().parties(17));
        assertThrows(IllegalArgumentException.class, () -> LocalParties.builder().timeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> LocalParties.builder().timeout(Duration.ofSeconds(-1)));
    }

    @Test
    void shouldRunAgainAndConcurrentlyWithIndependentNetworks() {
        final LocalParties parties = LocalParties.builder().parties(3).build();
        final List<CompletableFuture<List<double[]>>> runs = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            final double v = r + 0.5;
            runs.add(CompletableFuture.supplyAsync(() -> parties.run(ops -> {
                try (SecretTensor x = ops.input(1, ops.session().partyId() == 1 ? new double[] {v} : null, 1);
                     SecretTensor y = ops.mul(x, x)) {
                    return ops.reveal(y);
                }
            })));
        }
        for (int r = 0; r < runs.size(); r++) {
            final double v = r + 0.5;
            for (final double[] out : runs.get(r).join()) {
                assertArrayEquals(new double[] {v * v}, out, "run " + r);
            }
        }
    }

    @Test
    void shouldPassNullResultsThrough() {
        final List<Object> out = LocalParties.builder().parties(2).build().run(ops -> null);
        assertEquals(2, out.size());
        assertNull(out.get(0));
        assertNull(out.get(1));
    }

    @Test
    void shouldCloseEverySessionWhenTheRunEnds() {
        final List<Session> sessions = LocalParties.builder().parties(2).build().run(ops -> ops.session());
        for (final Session s : sessions) {
            final long before = s.transport().framesSent();
            // A closed endpoint refuses to send: the runner closed it.
            assertThrows(dev.obscura.mpc.TransportException.class, () -> s.transport().sendBytes(
                1 - s.partyId(), new byte[1]));
            assertEquals(before, s.transport().framesSent());
        }
        assertTrue(sessions.get(0).toString().contains("party=0"));
    }
}
