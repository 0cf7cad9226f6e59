package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.RingTensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emulated link delays each message by half the round-trip time and holds the bandwidth down. */
final class LinkEmulationTest {
    @TempDir
    Path dir;

    @Test
    void shouldAddTheRoundTripTimeToEveryRound() {
        final int rounds = 10;
        final Duration rtt = Duration.ofMillis(40);
        final Loopback net = Loopback.create(dir, 2, List.of(), "");
        final List<TcpTransport> t = net.openAll(c -> c.emulation(new LinkEmulation(rtt, 0)));
        try {
            final long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                t.get(0).sendBytes(1, new byte[] {(byte) i});
                assertEquals(i, t.get(1).receiveBytes(0)[0]);
                t.get(1).sendBytes(0, new byte[] {(byte) i});
                assertEquals(i, t.get(0).receiveBytes(1)[0]);
            }
            final long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= rounds * rtt.toMillis(), rounds + " round trips took " + ms + " ms at an RTT of " + rtt);
        } finally {
            t.forEach(TcpTransport::close);
        }
    }

    @Test
    void shouldHoldTheBandwidthDown() {
        final long bitsPerSecond = 80_000_000; // 10 MB/s
        final Loopback net = Loopback.create(dir, 2, List.of(), "");
        final List<TcpTransport> t = net.openAll(c -> c.emulation(new LinkEmulation(Duration.ZERO, bitsPerSecond)));
        try (RingTensor x = RingTensor.zeros(1 << 17); RingTensor y = RingTensor.zeros(1 << 17)) {
            final int frames = 4; // 4 MiB in all: at least 0.42 s at 10 MB/s
            final long start = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                t.get(0).send(1, x);
            }
            for (int i = 0; i < frames; i++) {
                t.get(1).receive(0, y);
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double minimum = frames * x.numel() * 8.0 * 8 / bitsPerSecond;
            assertTrue(seconds >= minimum, "4 MiB took " + seconds + " s at " + bitsPerSecond + " bit/s, minimum "
                + minimum + " s");
        } finally {
            t.forEach(TcpTransport::close);
        }
    }

    @Test
    void shouldDescribeItself() {
        assertEquals("LinkEmulation[none]", LinkEmulation.NONE.toString());
        assertEquals("LinkEmulation[rtt=10ms, bandwidth=1000000000 bit/s]",
            LinkEmulation.parse("10ms", "1gbit").toString());
        assertTrue(!LinkEmulation.NONE.enabled() && LinkEmulation.parse("1ms", null).enabled());
    }
}
