package dev.obscura.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.JavaBackend;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PrgTest {
    private static final byte[] KEY = HexFormat.of().parseHex("a7c35e19d2f04b86913e7c5da2b8f061");
    private final Backend backend = new JavaBackend();

    @Test
    void shouldGiveTheSameStreamForTheSameSeedAndStreamId() {
        final Prg a = new Prg(Seed.fromBytes(KEY), 3, backend);
        final Prg b = new Prg(Seed.fromBytes(KEY), 3, backend);
        try (RingTensor x = a.next(101); RingTensor y = b.next(101)) {
            assertArrayEquals(x.toArray(), y.toArray());
        }
        // Same pieces in the same order: same values, wherever the generators are.
        try (RingTensor x = a.next(4, 2); RingTensor y = b.next(8)) {
            assertArrayEquals(x.toArray(), y.toArray());
        }
    }

    @Test
    void shouldGiveDifferentStreamsForDifferentStreamIdsAndSeeds() {
        final byte[] other = KEY.clone();
        other[15] ^= 1;
        try (RingTensor s0 = new Prg(Seed.fromBytes(KEY), 0, backend).next(64);
             RingTensor s1 = new Prg(Seed.fromBytes(KEY), 1, backend).next(64);
             RingTensor k1 = new Prg(Seed.fromBytes(other), 0, backend).next(64)) {
            assertEquals(0, equalPositions(s0, s1));
            assertEquals(0, equalPositions(s0, k1));
        }
        try (RingTensor f1 = Prg.fresh(backend).next(8); RingTensor f2 = Prg.fresh(backend).next(8)) {
            assertFalse(Arrays.equals(f1.toArray(), f2.toArray()), "fresh seeds come from SecureRandom");
        }
    }

    @Test
    void shouldAdvanceByHalfTheElementCountRoundedUp() {
        final Prg prg = new Prg(Seed.fromBytes(KEY), 0, backend);
        assertEquals(0L, prg.position());
        try (RingTensor t7 = prg.next(7)) {
            assertEquals(4L, prg.position());
        }
        try (RingTensor t1 = prg.next(1)) {
            assertEquals(5L, prg.position());
        }
        try (RingTensor t0 = prg.next(0)) {
            assertEquals(5L, prg.position());
        }
        try (RingTensor t8 = RingTensor.zeros(2, 4)) {
            prg.fill(t8);
            assertEquals(9L, prg.position());
            // The values are exactly the keystream at blocks 5 to 8.
            try (RingTensor expected = RingTensor.zeros(8)) {
                backend.aesCtrFill(KEY, 0L, 5L, expected);
                assertArrayEquals(expected.toArray(), t8.toArray());
            }
        }
        assertEquals(0L, prg.streamId());
    }

    @Test
    void shouldNotShowTheKeyInToString() {
        final Seed seed = Seed.fromBytes(KEY);
        final Prg prg = new Prg(seed, 0, backend);
        for (final String s : new String[] {seed.toString(), prg.toString()}) {
            assertFalse(s.contains(HexFormat.of().formatHex(KEY)), s);
            assertFalse(s.toLowerCase().contains(HexFormat.of().formatHex(KEY, 0, 2)), s);
            assertFalse(s.contains(Arrays.toString(KEY)), s);
            assertFalse(s.contains(Base64.getEncoder().encodeToString(KEY).substring(0, 8)), s);
            for (int i = 0; i + 2 <= KEY.length; i++) {
                // Any two consecutive key bytes, in hex or as signed decimals.
                assertFalse(s.toLowerCase().contains(HexFormat.of().formatHex(KEY, i, i + 2)), s);
                assertFalse(s.contains(KEY[i] + ", " + KEY[i + 1]), s);
            }
        }
        assertEquals("Seed[redacted]", seed.toString());
    }

    @Test
    void shouldCompareSeedsByKeyAndCopyTheirBytes() {
        final Seed seed = Seed.fromBytes(KEY);
        assertEquals(seed, Seed.fromBytes(KEY));
        assertNotEquals(seed, Seed.random());
        final byte[] out = seed.toBytes();
        out[0] ^= 1;
        assertArrayEquals(KEY, seed.toBytes(), "toBytes hands out a copy");
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Seed.fromBytes(new byte[15]));
        assertTrue(e.getMessage().contains("length=15"), e.getMessage());
    }

    @Test
    void shouldLookUniformOnTheTopByte() {
        final int n = 1_000_000;
        final long[] counts = new long[256];
        try (RingTensor t = new Prg(Seed.fromBytes(KEY), 0, backend).next(n)) {
            for (int i = 0; i < n; i++) {
                counts[(int) (t.get(i) >>> 56)]++;
            }
        }
        final double expected = n / 256.0;
        double chi2 = 0;
        for (final long c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // 255 degrees of freedom; Wilson-Hilferty gives 179.4 and 347.7 as the 1e-4 lower and upper tails. The key is
        // fixed, so this is deterministic: it catches a broken keystream (say, a repeated block), not bad luck.
        assertTrue(chi2 > 179.4 && chi2 < 347.7, "chi2=" + chi2);
    }

    private static int equalPositions(final RingTensor x, final RingTensor y) {
        int same = 0;
        for (int i = 0; i < x.numel(); i++) {
            if (x.get(i) == y.get(i)) {
                same++;
            }
        }
        return same;
    }

    @Test
    void shouldFillHeapArraysWithTheSameStreamAsTensors() {
        final byte[] key = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        final Prg tensors = new Prg(Seed.fromBytes(key), 7, new JavaBackend());
        final Prg arrays = new Prg(Seed.fromBytes(key), 7, new JavaBackend());
        // Odd and even sizes, and one over the heap fill's chunk of 8192 elements, interleaved.
        for (final int n : new int[] {1, 784, 3, 10_001, 2}) {
            final long[] heap = new long[n];
            arrays.fill(heap);
            try (RingTensor t = tensors.next(n)) {
                assertArrayEquals(t.toArray(), heap, "n=" + n);
            }
            assertEquals(tensors.position(), arrays.position());
        }
        arrays.destroy();
        assertThrows(IllegalStateException.class, () -> arrays.fill(new long[1]));
    }
}
