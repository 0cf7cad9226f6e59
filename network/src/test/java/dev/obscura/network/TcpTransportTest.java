package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.TransportException;
import dev.obscura.ring.RingTensor;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Messages over TLS on loopback: whole, in order, counted like the in-process transport, released on close. */
final class TcpTransportTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL", "NONE_FOR_MEASUREMENT_ONLY"})
    void shouldDeliverTensorsAndBytesWholeAndInOrder(final TlsProvider provider) {
        final Loopback net = Loopback.create(dir, 2, List.of("dealer"), "");
        final List<TcpTransport> t = net.openAll(c -> c.tlsProvider(provider));
        try {
            assertEquals(provider == TlsProvider.JDK ? "jdk" : provider == TlsProvider.OPENSSL ? "openssl" : "none",
                t.get(0).tlsProvider());
            final SplittableRandom random = new SplittableRandom(7);
            // Sizes around the gathering limit and a multi-record frame; an empty tensor among the parts.
            final int[] sizes = {0, 1, 3, 2045, 2046, 2047, 4096, 300_001};
            for (final int size : sizes) {
                try (RingTensor a = random(random, size); RingTensor b = random(random, 5);
                     RingTensor empty = RingTensor.zeros(0);
                     RingTensor a2 = RingTensor.zeros(size); RingTensor b2 = RingTensor.zeros(5);
                     RingTensor empty2 = RingTensor.zeros(0)) {
                    t.get(0).send(1, a, empty, b);
                    t.get(2).send(1, b);
                    t.get(1).receive(0, a2, empty2, b2);
                    assertTrue(a.contentEquals(a2) && b.contentEquals(b2), "size " + size);
                    t.get(1).receive(2, b2);
                    assertTrue(b.contentEquals(b2));
                }
            }
            for (int i = 0; i < 50; i++) {
                t.get(1).sendBytes(0, new byte[] {(byte) i, 1, 2});
            }
            final byte[] big = new byte[70_000];
            random.nextBytes(big);
            t.get(1).sendBytes(0, big);
            for (int i = 0; i < 50; i++) {
                assertArrayEquals(new byte[] {(byte) i, 1, 2}, t.get(0).receiveBytes(1), "frame " + i + " in order");
            }
            assertArrayEquals(big, t.get(0).receiveBytes(1));
            long expected = 0;
            for (final int size : sizes) {
                expected += (size + 5L) * 8;
            }
            assertEquals(expected, t.get(0).bytesSent());
            assertEquals(expected, t.get(0).bytesSentTo(1));
            assertEquals(expected, t.get(1).bytesReceivedFrom(0));
            assertEquals(sizes.length, t.get(0).framesSent());
            assertEquals(50 * 3 + big.length, t.get(1).bytesSentTo(0));
            assertEquals(51, t.get(1).framesSent());
        } finally {
            t.forEach(TcpTransport::close);
        }
    }

    @Test
    void shouldRefuseAFrameOfTheWrongSizeAndKeepTheConnection() {
        final Loopback net = Loopback.create(dir, 2, List.of(), "");
        final List<TcpTransport> t = net.openAll();
        try (RingTensor x = RingTensor.zeros(4); RingTensor y = RingTensor.zeros(5)) {
            t.get(0).send(1, x);
            final TransportException e = assertThrows(TransportException.class, () -> t.get(1).receive(0, y));
            assertEquals(TransportException.Reason.PROTOCOL, e.reason());
            assertTrue(e.getMessage().contains("bytes=32, expected=40"), e.getMessage());
            t.get(0).send(1, y);
            t.get(1).receive(0, y);
        } finally {
            t.forEach(TcpTransport::close);
        }
    }

    @Test
    void shouldDeliverWhatWasSentBeforeClosingThenReportClosed() {
        final Loopback net = Loopback.create(dir, 2, List.of(), "");
        final List<TcpTransport> t = net.openAll();
        try {
            t.get(0).sendBytes(1, new byte[] {42});
            t.get(0).close();
            assertArrayEquals(new byte[] {42}, t.get(1).receiveBytes(0));
            final TransportException e = assertThrows(TransportException.class, () -> t.get(1).receiveBytes(0));
            assertEquals(TransportException.Reason.CLOSED, e.reason());
            assertTrue(e.getMessage().contains("endpoint 0 (party-0) closed"), e.getMessage());
            final TransportException own = assertThrows(TransportException.class, () -> t.get(0).receiveBytes(1));
            assertEquals(TransportException.Reason.CLOSED, own.reason());
        } finally {
            t.forEach(TcpTransport::close);
        }
    }

    @Test
    void shouldReleaseThreadsSocketsAndBuffersOnClose() {
        final long socketsBefore = Loopback.openSockets();
        final UnpooledByteBufAllocator counted = new UnpooledByteBufAllocator(true);
        final Loopback net = Loopback.create(dir, 3, List.of("dealer"), "");
        final List<TcpTransport> t = net.openAll(c -> c.allocator(counted));
        try (RingTensor x = RingTensor.zeros(100_000); RingTensor y = RingTensor.zeros(100_000)) {
            assertTrue(Loopback.threads("obscura-net-") >= 4);
            for (int from = 0; from < 4; from++) {
                for (int to = 0; to < 4; to++) {
                    if (from != to) {
                        t.get(from).send(to, x);
                        t.get(from).sendBytes(to, new byte[] {1, 2, 3});
                    }
                }
            }
            // Frames left unread on purpose: close must release them too.
            t.get(1).receive(0, y);
        } finally {
            t.forEach(TcpTransport::close);
        }
        assertEquals(0, Loopback.threads("obscura-net-"), "I/O threads left running");
        assertEquals(0, counted.metric().usedDirectMemory(), "direct buffers not released");
        assertEquals(0, counted.metric().usedHeapMemory(), "heap buffers not released");
        if (socketsBefore >= 0) {
            assertEquals(socketsBefore, Loopback.openSockets(), "sockets left open");
        }
    }

    static RingTensor random(final SplittableRandom random, final int n) {
        final RingTensor t = RingTensor.zeros(n);
        for (int i = 0; i < n; i++) {
            t.set(i, random.nextLong());
        }
        return t;
    }
}
