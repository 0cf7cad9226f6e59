package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.protocols.additive.AdditiveSuite;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime of party and dealer processes: a failure of one endpoint stops every other one at once, each with one
 * line that names the endpoint that failed first; nothing is left running.
 */
final class EndpointRuntimeTest {
    @TempDir
    Path dir;

    @Test
    void shouldStopEveryEndpointAtOnceNamingTheOneThatFailed() {
        final Loopback net = Loopback.create(dir, 3, List.of("dealer"), "timeout = 30s\n");
        final long start = System.nanoTime();
        final TcpParties.Outcome<double[]> out = TcpParties.runtimes(net.config(), new AdditiveSuite(),
            c -> c.backend(Backends.byName("java")), ops -> {
                final int me = ops.session().partyId();
                try (SecretTensor x = ops.input(0, me == 0 ? new double[] {1.5, -2} : null, 2)) {
                    for (int round = 0; ; round++) {
                        if (me == 1 && round == 3) {
                            throw new IllegalStateException("model file is corrupt, file=m.obscura");
                        }
                        try (SecretTensor y = ops.mul(x, x)) {
                            ops.reveal(y);
                        }
                    }
                }
            });
        final long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs < 20_000, "took " + elapsedMs + " ms: the others waited for their time-out");
        final EndpointFailedException failed = assertInstanceOf(EndpointFailedException.class,
            out.failures().get(1));
        assertEquals("party 1 failed: model file is corrupt, file=m.obscura", failed.getMessage());
        assertEquals(1, failed.endpoint());
        for (final int e : new int[] {0, 2, 3}) {
            final Throwable t = out.failures().get(e);
            assertNotNull(t, "endpoint " + e + " did not fail");
            final String who = e == 3 ? "the dealer" : "party " + e;
            // Each names itself and, at the end of the chain of the aborts it heard, party 1 and its reason.
            assertTrue(t.getMessage().startsWith(who + " stopped: endpoint "), t.getMessage());
            assertTrue(t.getMessage().endsWith("endpoint 1 (party-1) failed: party 1 failed: model file is corrupt,"
                + " file=m.obscura"), t.getMessage());
            assertTrue(t.getMessage().lines().count() == 1, t.getMessage());
        }
        assertEquals(0, Loopback.threads("obscura-net-"), "I/O threads left running");
    }

    @Test
    void shouldRefusePartiesThatRunDifferentComputationsBeforeTheyCompute() {
        final Loopback net = Loopback.create(dir, 2, List.of("dealer"), "");
        final TcpParties.Outcome<double[]> out = TcpParties.runtimes(net.config(), new AdditiveSuite(),
            c -> c.backend(Backends.byName("java")).computation(c.self == 0 ? "matmul m=8 k=8 n=8"
                : "matmul m=8 k=8 n=9"), ops -> {
                    throw new AssertionError("no party may compute");
                });
        for (final int p : new int[] {0, 1}) {
            final Throwable t = out.failures().get(p);
            assertNotNull(t, "party " + p + " did not fail");
            assertTrue(t.getMessage().contains("every party must run the same computation, with the same options"),
                t.getMessage());
        }
        assertTrue(out.failures().get(0).getMessage().contains("party 0 failed: party 1 runs \"matmul m=8 k=8 n=9\","
            + " this party \"matmul m=8 k=8 n=8\"") || out.failures().get(0).getMessage().startsWith("party 0 stopped"),
            out.failures().get(0).getMessage());
        assertNotNull(out.failures().get(2), "the dealer is told");
    }

    @Test
    void shouldRunTheClearSuiteWithoutHelpersAndRefuseMisuse() {
        final Loopback net = Loopback.create(dir, 2, List.of(), "");
        final NetworkConfig clear = net.variant("clear.conf", t -> t.replace("suite = additive-dealer",
            "suite = clear"));
        final TcpParties.Outcome<double[]> out = TcpParties.runtimes(clear, new dev.obscura.protocols.clear.ClearSuite(),
            c -> c.backend(Backends.byName("java")), ops -> {
                try (SecretTensor x = ops.input(1, ops.session().partyId() == 1 ? new double[] {3, -4} : null, 2);
                     SecretTensor y = ops.mul(x, x)) {
                    return ops.reveal(y);
                }
            });
        assertEquals(9.0, out.orThrow().get(0)[0], 1e-4);
        assertEquals(16.0, out.orThrow().get(1)[1], 1e-4);
        final IllegalArgumentException id = assertThrows(IllegalArgumentException.class, () -> EndpointRuntime.open(
            new EndpointRuntime.Context().config(clear).self(2).suite(new dev.obscura.protocols.clear.ClearSuite())));
        assertTrue(id.getMessage().startsWith("no endpoint 2 in "), id.getMessage());
        final IllegalArgumentException record = assertThrows(IllegalArgumentException.class, () -> EndpointRuntime
            .open(new EndpointRuntime.Context().config(clear).self(0).suite(new dev.obscura.protocols.clear.ClearSuite())
                .computation("x").recordPlan(dir.resolve("p"))));
        assertTrue(record.getMessage().contains("preprocessing files serve the additive dealer suite"),
            record.getMessage());
    }
}
