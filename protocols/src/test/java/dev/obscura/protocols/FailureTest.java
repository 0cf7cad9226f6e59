package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.dealer.Dealer;
import dev.obscura.protocols.transport.InProcessNetwork;
import dev.obscura.ring.RingTensor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Every way a run can fail ends it quickly with the root cause, never a hang: a party that throws, a party that
 * stalls, a party that leaves, a garbage frame, a dealer that fails or misbehaves.
 */
final class FailureTest {
    /** A long time-out, so that a test that passes quickly proves the failure did not wait for it. */
    private static final Duration LONG = Duration.ofSeconds(5);
    /** How quickly a failure must reach every party when nobody waits for a time-out. */
    private static final long FAST_MS = 2000;

    @Test
    void shouldFailEveryPartyFastWhenOneThrowsImmediately() {
        final IllegalStateException boom = new IllegalStateException("party 1 gives up");
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(3).timeout(LONG).build().run(ops -> {
                if (ops.session().partyId() == 1) {
                    throw boom;
                }
                try (SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? new double[] {1} : null, 1)) {
                    return ops.reveal(x); // parties 0 and 2 wait here for party 1
                }
            }));
        final long ms = elapsedMs(start);
        assertTrue(ms < FAST_MS, "the run took " + ms + " ms with a 5 s time-out: the others waited");
        assertEquals(1, e.party(), "the party that threw, not the parties it stopped: " + e.getCause());
        assertSame(boom, e.getCause(), "the original exception is the cause");
        assertTrue(e.getMessage().contains("party 1"), e.getMessage());
    }

    @Test
    void shouldFailEveryPartyFastWhenOneThrowsInTheMiddleOfAComputation() {
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(4).timeout(LONG).build().run(ops -> {
                try (SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? new double[] {1, 2} : null, 2);
                     SecretTensor y = ops.mul(x, x)) {
                    if (ops.session().partyId() == 3) {
                        throw new AssertionError("party 3 stops after the product");
                    }
                    try (SecretTensor z = ops.mul(y, y)) {
                        return ops.reveal(z);
                    }
                }
            }));
        assertTrue(elapsedMs(start) < FAST_MS, "took " + elapsedMs(start) + " ms");
        assertEquals(3, e.party(), "party 3, not " + e.getCause());
        assertInstanceOf(AssertionError.class, e.getCause(), "errors are causes too");
    }

    @Test
    void shouldTimeOutWaitingForAStalledParty() {
        final Duration timeout = Duration.ofMillis(400);
        final AtomicBoolean released = new AtomicBoolean();
        final AtomicLong waitedMs = new AtomicLong(-1);
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(2).timeout(timeout).build().run(ops -> {
                try (SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? new double[] {1} : null, 1)) {
                    if (ops.session().partyId() == 1) {
                        // Stalls until party 0 has given up (at most 5 s).
                        final long until = System.nanoTime() + LONG.toNanos();
                        while (!released.get() && System.nanoTime() < until) {
                            sleep(5);
                        }
                        return null;
                    }
                    final long t0 = System.nanoTime();
                    try {
                        return ops.reveal(x);
                    } finally {
                        waitedMs.set(elapsedMs(t0));
                        released.set(true);
                    }
                }
            }));
        assertEquals(0, e.party(), "the party that timed out, not " + e.getCause());
        final TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(TransportException.Reason.TIMEOUT, cause.reason());
        assertTrue(waitedMs.get() >= timeout.toMillis() - 5 && waitedMs.get() < timeout.toMillis() + 1000,
            "party 0 waited " + waitedMs.get() + " ms with a time-out of " + timeout.toMillis() + " ms");
        assertTrue(elapsedMs(start) < FAST_MS + timeout.toMillis(), "took " + elapsedMs(start) + " ms");
    }

    @Test
    void shouldFailFastWhenAPartyLeavesEarly() {
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(2).timeout(LONG).build().run(ops -> {
                if (ops.session().partyId() == 1) {
                    return null; // returns at once: its session closes
                }
                try (SecretTensor x = ops.input(0, new double[] {1}, 1)) {
                    return ops.reveal(x);
                }
            }));
        assertTrue(elapsedMs(start) < FAST_MS, "took " + elapsedMs(start) + " ms");
        assertEquals(0, e.party(), "party 0 noticed, not " + e.getCause());
        final TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(TransportException.Reason.CLOSED, cause.reason());
    }

    @Test
    void shouldRefuseAFrameOfTheWrongSizeBetweenParties() {
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(3).timeout(LONG).build().run(ops -> {
                final int n = ops.session().partyId() == 2 ? 3 : 4; // party 2 runs another program
                try (SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? new double[n] : null, n)) {
                    return ops.reveal(x);
                }
            }));
        assertTrue(elapsedMs(start) < FAST_MS, "took " + elapsedMs(start) + " ms");
        final TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(TransportException.Reason.PROTOCOL, cause.reason());
    }

    @Test
    void shouldRefuseAGarbageFrameOnTheWire() {
        try (InProcessNetwork net = new InProcessNetwork(2, false, LONG)) {
            final Transport a = net.endpoint(0);
            final Transport b = net.endpoint(1);
            a.sendBytes(1, new byte[12]);
            try (RingTensor in = RingTensor.zeros(2)) {
                final long start = System.nanoTime();
                final TransportException e = assertThrows(TransportException.class, () -> b.receive(0, in));
                assertTrue(elapsedMs(start) < FAST_MS);
                assertEquals(TransportException.Reason.PROTOCOL, e.reason());
                assertTrue(e.getMessage().contains("bytes=12") && e.getMessage().contains("expected=16"),
                    e.getMessage());
                // The refused frame is consumed; the next one is read normally.
                try (RingTensor out = RingTensor.of(new long[] {5, 6}, 2)) {
                    a.send(1, out);
                    b.receive(0, in);
                    assertEquals(6, in.get(1));
                }
            }
        }
    }

    @Test
    void shouldNameTheDealerWhenItFailsAtStart() {
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(3).timeout(LONG).suite(new DealerSuite((t, b) -> {
                throw new IllegalStateException("the dealer cannot start");
            })).build().run(ops -> 1));
        assertTrue(elapsedMs(start) < FAST_MS, "took " + elapsedMs(start) + " ms");
        assertEquals(3, e.party(), "the dealer's id is the party count, not " + e.getCause());
        assertTrue(e.getMessage().contains("the dealer"), e.getMessage());
        assertEquals("the dealer cannot start", e.getCause().getMessage());
    }

    @Test
    void shouldNameTheDealerWhenItFailsInTheMiddleOfASession() {
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(2).timeout(LONG).suite(new DealerSuite((t, b) ->
                new Dealer(new FailingAfter(t, 2), b, AdditiveSuite.CORRELATIONS).run())).build().run(ops -> {
                    try (SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? new double[] {3} : null, 1)) {
                        for (int i = 0; i < 5; i++) {
                            ops.mul(x, x).close(); // two requests each: a triple and a truncation mask
                        }
                        return ops.reveal(x);
                    }
                }));
        assertTrue(elapsedMs(start) < FAST_MS, "took " + elapsedMs(start) + " ms");
        assertEquals(2, e.party(), "the dealer, not " + e.getCause());
        assertTrue(e.getMessage().contains("the dealer"), e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void shouldRefuseADealerSeedOfTheWrongSize() {
        final long start = System.nanoTime();
        final PartyFailureException e = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(2).timeout(LONG).suite(new DealerSuite((t, b) -> {
                for (int p = 0; p < t.parties(); p++) {
                    t.sendBytes(p, new byte[5]);
                }
                t.receiveBytes(0); // waits until the parties fail
            })).build().run(ops -> 1));
        assertTrue(elapsedMs(start) < FAST_MS, "took " + elapsedMs(start) + " ms");
        final TransportException cause = assertInstanceOf(TransportException.class, e.getCause());
        assertEquals(TransportException.Reason.PROTOCOL, cause.reason());
        assertTrue(e.party() >= 0 && e.party() < 2, "a party noticed: " + e.party());
    }

    private static long elapsedMs(final long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void sleep(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The additive suite with another dealer. */
    private record DealerSuite(java.util.function.BiConsumer<Transport, Backend> dealer) implements ProtocolSuite {
        @Override
        public String name() {
            return "additive-with-test-dealer";
        }

        @Override
        public List<HelperRole> helperRoles() {
            return List.of(new HelperRole("dealer", (transport, backend, seeds) -> dealer.accept(transport, backend)));
        }

        @Override
        public SecurePrimitives init(final Session session) {
            return new AdditiveSuite().init(session);
        }
    }

    /** A dealer transport that breaks after serving {@code requests} requests. */
    private static final class FailingAfter extends ForwardingTransport {
        private int left;

        FailingAfter(final Transport t, final int requests) {
            super(t);
            this.left = requests;
        }

        @Override
        public byte[] receiveBytes(final int peer) {
            if (left-- == 0) {
                throw new IllegalStateException("the dealer ran out of material");
            }
            return t.receiveBytes(peer);
        }
    }
}
