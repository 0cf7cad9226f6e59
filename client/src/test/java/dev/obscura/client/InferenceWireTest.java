package dev.obscura.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The service's messages: round trips, and every malformed request refused with a message that names the fault. */
class InferenceWireTest {

    @Test
    void shouldRoundTripRequestsAndResponses() {
        final long[] shares = new long[2 * 784];
        Arrays.setAll(shares, i -> i * 0x9E3779B97F4A7C15L);
        final InferenceWire.Request r = InferenceWire.decodeRequest(InferenceWire.encode(new InferenceWire.Request(
            -7, 16, 2, new int[] {1, 28, 28}, shares)), 64, 784);
        assertEquals(-7, r.id());
        assertEquals(16, r.fracBits());
        assertEquals(2, r.count());
        assertArrayEquals(new int[] {1, 28, 28}, r.shape());
        assertArrayEquals(shares, r.shares());
        assertFalse(r.toString().contains(Long.toString(shares[1])), "no share in toString");
        final long[] logits = {1, -2, 3, -4, 5, -6};
        final InferenceWire.Response s = InferenceWire.decodeResponse(InferenceWire.encode(new InferenceWire.Response(
            9, 2, 3, logits)), 9, 2);
        assertArrayEquals(logits, s.shares());
        assertEquals(3, s.classes());
    }

    @Test
    void shouldRefuseMalformedRequestsBeforeReadingTheirBody() {
        final byte[] good = InferenceWire.encode(new InferenceWire.Request(1, 16, 1, new int[] {1, 28, 28},
            new long[784]));
        assertTrue(message(new byte[5]).contains("shorter than the header"));
        final byte[] magic = good.clone();
        magic[0] ^= 1;
        assertTrue(message(magic).contains("bad magic"));
        assertTrue(message(Arrays.copyOf(good, good.length - 8)).contains("expected"));
        assertTrue(message(Arrays.copyOf(good, good.length + 8)).contains("expected"));
        assertTrue(message(InferenceWire.encode(new InferenceWire.Request(1, 16, 65, new int[] {1, 28, 28},
            new long[0]))).contains("between 1 and 64 images"));
        assertTrue(message(InferenceWire.encode(new InferenceWire.Request(1, 16, 0, new int[] {1, 28, 28},
            new long[0]))).contains("between 1 and 64 images"));
        assertTrue(message(InferenceWire.encode(new InferenceWire.Request(1, 16, 1, new int[] {1, 1 << 16, 1 << 16},
            new long[0]))).contains("at most 784 elements"));
        assertTrue(message(InferenceWire.encode(new InferenceWire.Request(1, 16, 1, new int[] {1, -28, 28},
            new long[0]))).contains("refused"));
    }

    @Test
    void shouldRefuseAResponseToAnotherRequest() {
        final byte[] response = InferenceWire.encode(new InferenceWire.Response(5, 1, 10, new long[10]));
        assertThrows(IllegalArgumentException.class, () -> InferenceWire.decodeResponse(response, 6, 1));
        assertThrows(IllegalArgumentException.class, () -> InferenceWire.decodeResponse(response, 5, 2));
        assertThrows(IllegalArgumentException.class, () -> InferenceWire.decodeResponse(
            Arrays.copyOf(response, 30), 5, 1));
    }

    @Test
    void shouldRefuseAnIncompleteClientConfiguration() {
        final ObscuraClient.Config one = new ObscuraClient.Config().tls(Path.of("a"), Path.of("b"), Path.of("c"))
            .party("party-0", "127.0.0.1", 1);
        assertThrows(IllegalArgumentException.class, () -> ObscuraClient.connect(one));
    }

    private static String message(final byte[] payload) {
        return assertThrows(IllegalArgumentException.class, () -> InferenceWire.decodeRequest(payload, 64, 784))
            .getMessage();
    }
}
