package dev.obscura.protocols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.protocols.transport.InProcessNetwork;
import dev.obscura.ring.RingTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The in-process transport: order, sizes, counters, closing, failing, time-outs and recycled frames. */
final class InProcessNetworkTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void shouldDeliverFramesWholeAndInOrder() {
        try (InProcessNetwork net = new InProcessNetwork(2, false, TIMEOUT)) {
            final Transport a = net.endpoint(0);
            final Transport b = net.endpoint(1);
            for (long i = 0; i < 100; i++) {
                try (RingTensor t = RingTensor.of(new long[] {i, -i, i * i}, 3)) {
                    a.send(1, t);
                }
            }
            try (RingTensor in = RingTensor.zeros(3)) {
                for (long i = 0; i < 100; i++) {
                    b.receive(0, in);
                    assertArrayEquals(new long[] {i, -i, i * i}, in.toArray(), "frame " + i);
                }
            }
        }
    }

    @Test
    void shouldConcatenatePartsIntoOneFrame() {
        try (InProcessNetwork net = new InProcessNetwork(3, false, TIMEOUT);
             RingTensor p1 = RingTensor.of(new long[] {1, 2, 3, 4, 5}, 5);
             RingTensor p2 = RingTensor.of(new long[] {6, 7, 8}, 3);
             RingTensor q1 = RingTensor.zeros(3);
             RingTensor q2 = RingTensor.zeros(1, 5)) {
            final Transport a = net.endpoint(0);
            final Transport c = net.endpoint(2);
            a.send(2, p1, p2);
            assertEquals(1, a.framesSent(), "several parts travel as one frame");
            c.receive(0, q1, q2); // the split on the receiving side is independent of the sending side
            assertArrayEquals(new long[] {1, 2, 3}, q1.toArray());
            assertArrayEquals(new long[] {4, 5, 6, 7, 8}, q2.toArray());
            a.send(2, p1, p2);
            final byte[] bytes = c.receiveBytes(0);
            assertEquals(64, bytes.length);
            final ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 8; i++) {
                assertEquals(i + 1, le.getLong(), "elements travel as little-endian longs");
            }
        }
    }

    @Test
    void shouldKeepChannelsApartAndCountBytesPerPeer() {
        try (InProcessNetwork net = new InProcessNetwork(3, true, TIMEOUT)) {
            final Transport p0 = net.endpoint(0);
            final Transport p1 = net.endpoint(1);
            final Transport p2 = net.endpoint(2);
            final Transport dealer = net.endpoint(3);
            assertEquals(3, dealer.self());
            assertEquals(3, dealer.parties());
            try (RingTensor four = RingTensor.of(new long[] {1, 2, 3, 4}, 4);
                 RingTensor two = RingTensor.of(new long[] {9, 9}, 2);
                 RingTensor in4 = RingTensor.zeros(4);
                 RingTensor in2 = RingTensor.zeros(2)) {
                p0.send(1, four);
                p0.send(2, two);
                p0.send(2, four);
                p0.sendBytes(3, new byte[13]);
                dealer.send(2, two);
                // Party 2 reads the dealer first: channels are independent queues.
                p2.receive(3, in2);
                p2.receive(0, in2);
                p2.receive(0, in4);
                p1.receive(0, in4);
                assertEquals(13, dealer.receiveBytes(0).length);

                assertEquals(32 + 16 + 32 + 13, p0.bytesSent());
                assertEquals(32, p0.bytesSentTo(1));
                assertEquals(48, p0.bytesSentTo(2));
                assertEquals(13, p0.bytesSentTo(3));
                assertEquals(0, p0.bytesSentTo(0));
                assertEquals(0, p0.bytesSentTo(99), "no such peer: nothing sent");
                assertEquals(4, p0.framesSent());
                assertEquals(48, p2.bytesReceivedFrom(0));
                assertEquals(16, p2.bytesReceivedFrom(3));
                assertEquals(32, p1.bytesReceivedFrom(0));
                assertEquals(0, p1.bytesReceivedFrom(2));
                assertEquals(13, dealer.bytesReceivedFrom(0));
                assertEquals(16, dealer.bytesSent());
                assertEquals(0, p1.bytesSent());
            }
        }
    }

    @Test
    void shouldRecycleFramesOfDifferentSizesWithoutMixingContents() {
        final SplittableRandom rnd = new SplittableRandom(42);
        final int[] sizes = {1, 1000, 3, 0, 5000, 2, 64, 4999, 1, 7, 333, 0, 8, 2048};
        try (InProcessNetwork net = new InProcessNetwork(2, false, TIMEOUT)) {
            final Transport a = net.endpoint(0);
            final Transport b = net.endpoint(1);
            for (int round = 0; round < 20; round++) {
                // A burst of frames in flight at once, then drained: buffers are reused in a new order each time.
                final long[][] sent = new long[sizes.length][];
                for (int i = 0; i < sizes.length; i++) {
                    final int n = sizes[(i + round) % sizes.length];
                    sent[i] = rnd.longs(n).toArray();
                    try (RingTensor t = RingTensor.of(sent[i], n)) {
                        a.send(1, t);
                    }
                }
                for (int i = 0; i < sizes.length; i++) {
                    try (RingTensor in = RingTensor.zeros(sent[i].length)) {
                        b.receive(0, in);
                        assertArrayEquals(sent[i], in.toArray(), "round " + round + ", frame " + i);
                    }
                }
                // Byte frames through the same recycled buffers.
                final byte[] bytes = new byte[rnd.nextInt(1, 3000)];
                rnd.nextBytes(bytes);
                a.sendBytes(1, bytes);
                assertArrayEquals(bytes, b.receiveBytes(0));
            }
        }
    }

    @Test
    void shouldExchangeConcurrentlyInBothDirections() {
        try (InProcessNetwork net = new InProcessNetwork(2, false, TIMEOUT)) {
            final CompletableFuture<Void> left = CompletableFuture.runAsync(() -> pingPong(net.endpoint(0), 1));
            final CompletableFuture<Void> right = CompletableFuture.runAsync(() -> pingPong(net.endpoint(1), 0));
            left.join();
            right.join();
        }
    }

    private static void pingPong(final Transport t, final int peer) {
        try (RingTensor out = RingTensor.zeros(17); RingTensor in = RingTensor.zeros(17)) {
            for (int i = 0; i < 2000; i++) {
                out.fill(t.self() * 1_000_000L + i);
                t.send(peer, out);
                t.receive(peer, in);
                assertEquals(peer * 1_000_000L + i, in.get(16));
            }
        }
    }

    @Test
    void shouldDeliverWhatAPeerSentBeforeClosingThenReportTheClose() {
        try (InProcessNetwork net = new InProcessNetwork(2, false, TIMEOUT)) {
            final Transport a = net.endpoint(0);
            final Transport b = net.endpoint(1);
            a.sendBytes(1, new byte[] {1, 2, 3});
            a.close();
            assertArrayEquals(new byte[] {1, 2, 3}, b.receiveBytes(0), "frames in flight survive the close");
            final long start = System.nanoTime();
            final TransportException e = assertThrows(TransportException.class, () -> b.receiveBytes(0));
            assertEquals(TransportException.Reason.CLOSED, e.reason());
            assertTrue((System.nanoTime() - start) / 1_000_000 < 1000, "a closed peer is noticed without waiting"
                + " for the time-out");
            final TransportException own = assertThrows(TransportException.class, () -> a.sendBytes(1, new byte[1]));
            assertEquals(TransportException.Reason.CLOSED, own.reason(), "a closed endpoint does not send");
            b.sendBytes(0, new byte[1]); // sending to a closed peer does not block
        }
    }

    @Test
    void shouldFailEveryWaitingAndFutureReceiveWhenTheNetworkFails() throws Exception {
        try (InProcessNetwork net = new InProcessNetwork(2, true, TIMEOUT)) {
            final Transport a = net.endpoint(0);
            final Transport dealer = net.endpoint(2);
            final long start = System.nanoTime();
            final CompletableFuture<TransportException> waiting = CompletableFuture.supplyAsync(
                () -> assertThrows(TransportException.class, () -> a.receiveBytes(1)));
            Thread.sleep(50);
            net.fail("party 1 failed: IllegalStateException");
            final TransportException e = waiting.get();
            assertEquals(TransportException.Reason.FAILED, e.reason());
            assertEquals("party 1 failed: IllegalStateException", e.getMessage());
            assertTrue((System.nanoTime() - start) / 1_000_000 < 1000, "a waiting receive fails at once");
            assertEquals(TransportException.Reason.FAILED,
                assertThrows(TransportException.class, () -> dealer.receiveBytes(0)).reason());
            assertEquals(TransportException.Reason.FAILED,
                assertThrows(TransportException.class, () -> a.sendBytes(1, new byte[1])).reason());
            net.fail("a second reason");
            assertEquals("party 1 failed: IllegalStateException",
                assertThrows(TransportException.class, () -> a.receiveBytes(1)).getMessage(), "the first reason stays");
        }
    }

    @Test
    void shouldTimeOutAfterTheConfiguredDuration() {
        final Duration timeout = Duration.ofMillis(200);
        try (InProcessNetwork net = new InProcessNetwork(2, false, timeout)) {
            final Transport a = net.endpoint(0);
            assertEquals(timeout, a.timeout());
            final long start = System.nanoTime();
            final TransportException e = assertThrows(TransportException.class, () -> a.receiveBytes(1));
            final long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(TransportException.Reason.TIMEOUT, e.reason());
            assertTrue(ms >= 195 && ms < 1200, "timed out after " + ms + " ms");
            assertTrue(e.getMessage().contains("200 ms"), e.getMessage());
        }
    }

    @Test
    void shouldRejectInvalidEndpointsAndPeers() {
        assertThrows(IllegalArgumentException.class, () -> new InProcessNetwork(1, true, TIMEOUT));
        try (InProcessNetwork net = new InProcessNetwork(2, false, TIMEOUT)) {
            assertThrows(IllegalArgumentException.class, () -> net.endpoint(2), "no dealer in this network");
            assertThrows(IllegalArgumentException.class, () -> net.endpoint(-1));
            final Transport a = net.endpoint(0);
            assertThrows(IllegalArgumentException.class, () -> a.sendBytes(0, new byte[1]), "no channel to itself");
            assertThrows(IllegalArgumentException.class, () -> a.sendBytes(2, new byte[1]));
            assertThrows(IllegalArgumentException.class, () -> a.receiveBytes(-1));
            assertEquals(0, a.framesSent(), "refused sends are not counted");
        }
    }

    @Test
    void shouldRefuseAFrameOfAnotherSizeAndGoOn() {
        try (InProcessNetwork net = new InProcessNetwork(2, false, TIMEOUT);
             RingTensor three = RingTensor.of(new long[] {1, 2, 3}, 3);
             RingTensor four = RingTensor.zeros(4)) {
            final Transport a = net.endpoint(0);
            final Transport b = net.endpoint(1);
            a.send(1, three);
            final TransportException e = assertThrows(TransportException.class, () -> b.receive(0, four));
            assertEquals(TransportException.Reason.PROTOCOL, e.reason());
            assertEquals(0, b.bytesReceivedFrom(0), "a refused frame is not counted");
            a.send(1, three, RingTensor.of(new long[] {4}, 1));
            b.receive(0, four);
            assertArrayEquals(new long[] {1, 2, 3, 4}, four.toArray());
        }
    }
}
