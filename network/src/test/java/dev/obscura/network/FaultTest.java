package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.TransportException;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.ring.FixedPoint;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A party that dies, freezes or stalls in the middle of a computation: every other endpoint (parties and dealer)
 * fails with an error naming it within the time-out plus one second, nothing hangs, and threads, buffers and
 * sockets are released.
 */
final class FaultTest {
    /** The receive time-out of these runs. */
    private static final long TIMEOUT_MS = 3000;
    private static final int VICTIM = 1;

    @TempDir
    Path dir;

    enum Fault {
        /** The process dies: its connections end without a close frame. */
        DIES,
        /** The process freezes (as under SIGSTOP): it neither reads nor writes, not even heartbeats. */
        FREEZES,
        /** The program stops computing; the process still answers heartbeats. */
        STALLS
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void shouldFailEveryOtherEndpointNamingTheFaultyParty(final Fault fault) throws Exception {
        final long socketsBefore = Loopback.openSockets();
        final UnpooledByteBufAllocator counted = new UnpooledByteBufAllocator(true);
        final Loopback net = Loopback.create(dir, 3, List.of("dealer"), "timeout = " + TIMEOUT_MS + "ms\n"
            + "heartbeat-interval = 250ms\nheartbeat-timeout = 1s\n");
        final List<TcpTransport> endpoints = net.openAll(c -> c.allocator(counted));
        final AtomicLong faultAt = new AtomicLong();
        // The victim holds out until every other endpoint has given up (closed its transport), at most 4 time-outs.
        final Runnable resume = () -> {
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4 * TIMEOUT_MS);
            while (System.nanoTime() < until && endpoints.stream().anyMatch(t -> t.self() != VICTIM && !t.isClosed())) {
                sleep(20);
            }
        };
        final TcpParties.Outcome<Object> out = TcpParties.run(endpoints, new AdditiveSuite(), Backends.byName("java"),
            new FixedPoint(16), ops -> {
                compute(ops, endpoints.get(VICTIM), fault, faultAt, resume);
                return null;
            });
        for (int e = 0; e < endpoints.size(); e++) {
            if (e == VICTIM) {
                continue;
            }
            final Throwable failure = out.failures().get(e);
            assertNotNull(failure, "endpoint " + e + " did not fail");
            final TransportException te = assertInstanceOf(TransportException.class, failure, failure.toString());
            assertTrue(te.getMessage().contains("endpoint 1 (party-1)") || te.getMessage().contains("party 1"),
                "endpoint " + e + ": " + te.getMessage());
            final long ms = (out.endNanos().get(e) - faultAt.get()) / 1_000_000;
            assertTrue(ms < TIMEOUT_MS + 1000, "endpoint " + e + " failed " + ms + " ms after the fault: "
                + te.getMessage());
        }
        assertEquals(0, Loopback.threadsAfterShutdown("obscura-net-"), "I/O threads left running");
        assertEquals(0, counted.metric().usedDirectMemory() + counted.metric().usedHeapMemory(), "buffers leaked");
        if (socketsBefore >= 0) {
            assertEquals(socketsBefore, Loopback.openSockets(), "sockets left open");
        }
    }

    /** Multiplies and reveals in a loop; party 1 brings on the fault in the fifth round. */
    private static void compute(final SecureOps ops, final TcpTransport victim, final Fault fault,
                                final AtomicLong faultAt, final Runnable resume) {
        final int me = ops.session().partyId();
        try (SecretTensor x = ops.input(0, me == 0 ? new double[] {1.5, -2, 3} : null, 3)) {
            for (int round = 0; round < 40; round++) {
                if (me == VICTIM && round == 5) {
                    faultAt.set(System.nanoTime());
                    injure(victim, fault, resume);
                }
                try (SecretTensor y = ops.mul(x, x)) {
                    ops.reveal(y);
                }
            }
        }
    }

    private static void injure(final TcpTransport victim, final Fault fault, final Runnable resume) {
        switch (fault) {
            case DIES -> {
                for (int p = 0; p < victim.config().endpoints().size(); p++) {
                    if (p != VICTIM) {
                        victim.channelTo(p).close();
                    }
                }
                throw new IllegalStateException("party 1 died");
            }
            case FREEZES -> {
                final Channel any = victim.channelTo(0);
                any.eventLoop().execute(resume); // its one I/O thread: no reads, no writes, no heartbeats
                resume.run();
            }
            case STALLS -> resume.run();
            default -> throw new IllegalStateException(fault.name());
        }
    }

    private static void sleep(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
