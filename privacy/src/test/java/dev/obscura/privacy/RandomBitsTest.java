package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.JavaBackend;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RandomBitsTest {
    private static final byte[] KEY = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");

    /** The bits are the PRG's words read least significant bit first, whatever sizes they are taken in. */
    @Test
    void shouldHandOutThePrgStreamBitByBitAcrossWordBoundaries() {
        final long[] words;
        try (RingTensor t = new Prg(Seed.fromBytes(KEY), 7, new JavaBackend()).next(256)) {
            words = t.toArray();
        }
        final int[] sizes = {1, 5, 13, 63, 7, 0, 64 - 13, 33, 2, 62, 31, 17, 1, 1, 40};
        try (RandomBits bits = new RandomBits(new Prg(Seed.fromBytes(KEY), 7, new JavaBackend()))) {
            long position = 0;
            for (int round = 0; round < 20; round++) {
                for (final int size : sizes) {
                    long expected = 0;
                    for (int b = 0; b < size; b++) {
                        final long at = position + b;
                        expected |= ((words[(int) (at >>> 6)] >>> (at & 63)) & 1L) << b;
                    }
                    assertEquals(expected, bits.bits(size), "bits at " + position + ", size " + size);
                    position += size;
                }
            }
        }
    }

    @Test
    void shouldDrawUniformIntegersWithoutBias() {
        try (RandomBits bits = Statistics.fixedSeed(1)) {
            final int bound = 10;
            final long[] counts = new long[bound];
            for (int i = 0; i < 200_000; i++) {
                counts[(int) bits.uniform(bound)]++;
            }
            final double[] p = new double[bound];
            java.util.Arrays.fill(p, 1.0 / bound);
            final double chi2 = Statistics.chiSquare(counts, p);
            assertTrue(chi2 < Statistics.chiSquareCritical(bound - 1), "chi2=" + chi2);
            assertEquals(0, bits.uniform(1));
            final long big = (1L << 62) + 12345;
            for (int i = 0; i < 1000; i++) {
                final long v = bits.uniform(big);
                assertTrue(v >= 0 && v < big);
            }
        }
    }

    @Test
    void shouldDrawBernoulliExactlyAndRejectBadArguments() {
        try (RandomBits bits = Statistics.fixedSeed(2)) {
            int ones = 0;
            final int n = 100_000;
            for (int i = 0; i < n; i++) {
                ones += bits.bernoulli(3, 7) ? 1 : 0;
            }
            final double p = 3.0 / 7;
            assertEquals(p * n, ones, 4.5 * Math.sqrt(n * p * (1 - p)));
            assertTrue(bits.bernoulli(1, 1));
            assertTrue(!bits.bernoulli(0, 5));
            assertThrows(IllegalArgumentException.class, () -> bits.bernoulli(4, 3));
            assertThrows(IllegalArgumentException.class, () -> bits.uniform(0));
            assertThrows(IllegalArgumentException.class, () -> bits.bits(64));
            assertTrue(bits.toString().startsWith("RandomBits[Prg[stream=2"));
        }
    }
}
