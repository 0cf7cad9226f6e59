package dev.obscura.protocols.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.ring.RingTensor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 10: recycled frames kept what they carried (shares, masks, seeds) after the network was closed. */
final class InProcessNetworkWipeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void shouldZeroEveryFrameItHoldsWhenClosed() {
        final InProcessNetwork net = new InProcessNetwork(2, true, TIMEOUT);
        final Transport a = net.endpoint(0);
        final Transport b = net.endpoint(1);
        final Transport dealer = net.endpoint(2);
        try (RingTensor share = RingTensor.of(new long[] {-1L, 0x5EC2E7L, Long.MIN_VALUE}, 3);
             RingTensor in = RingTensor.zeros(3)) {
            a.send(1, share);
            a.send(1, share);
            b.receive(0, in); // the first frame goes back to the channel's free list, holding the share
            dealer.sendBytes(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}); // a seed
            // 12 non-zero bytes in each frame of the share (8 + 3 + 1), 16 in the seed's.
            assertEquals(12 + 12 + 16, net.nonZeroFrameBytes(), "the frames hold what they carried");
            net.close();
            assertEquals(0, net.nonZeroFrameBytes());
            // A send racing with the close hands its frame back, zeroed.
            assertThrows(TransportException.class, () -> a.send(1, share));
            assertEquals(0, net.nonZeroFrameBytes());
        }
    }
}
