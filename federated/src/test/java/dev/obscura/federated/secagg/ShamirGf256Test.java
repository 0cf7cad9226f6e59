package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShamirGf256Test {
    private final SecureRandom random = new SecureRandom();

    @Test
    void shouldMultiplyInTheAesField() {
        // FIPS 197, Section 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}; {53} and {ca} are inverses.
        assertEquals(0xC1, ShamirGf256.mul(0x57, 0x83));
        assertEquals(0xFE, ShamirGf256.mul(0x57, 0x13));
        assertEquals(0x01, ShamirGf256.mul(0x53, 0xCA));
        assertEquals(0xCA, ShamirGf256.inverse(0x53));
        for (int a = 1; a < 256; a++) {
            assertEquals(1, ShamirGf256.mul(a, ShamirGf256.inverse(a)), "a=" + a);
            assertEquals(0, ShamirGf256.mul(a, 0));
            for (int b = a; b < 256; b += 37) {
                assertEquals(ShamirGf256.mul(a, b), ShamirGf256.mul(b, a));
                assertEquals(slowMul(a, b), ShamirGf256.mul(a, b), "a=" + a + ", b=" + b);
            }
        }
    }

    @Test
    void shouldReconstructFromAnyTSharesOfN() {
        final SplittableRandom subsets = new SplittableRandom(3);
        for (final int[] tn : new int[][] {{2, 2}, {2, 3}, {3, 5}, {5, 9}, {67, 100}, {170, 255}}) {
            final int t = tn[0];
            final int[] points = new int[tn[1]];
            Arrays.setAll(points, i -> i + 1);
            final byte[] secret = new byte[32];
            random.nextBytes(secret);
            final byte[][] shares = ShamirGf256.share(secret, t, points, random);
            for (int trial = 0; trial < 5; trial++) {
                final int[] chosen = subsets.ints(0, points.length).distinct().limit(t).toArray();
                final int[] xs = Arrays.stream(chosen).map(i -> points[i]).toArray();
                final byte[][] ys = Arrays.stream(chosen).mapToObj(i -> shares[i]).toArray(byte[][]::new);
                assertArrayEquals(secret, ShamirGf256.combine(ShamirGf256.lagrangeAtZero(xs), ys), "t=" + t);
                if (t > 2) {
                    // t - 1 shares interpolate a polynomial of lower degree: not the secret (but for chance 2^-256).
                    final byte[] wrong = ShamirGf256.combine(ShamirGf256.lagrangeAtZero(Arrays.copyOf(xs, t - 1)),
                        Arrays.copyOf(ys, t - 1));
                    assertFalse(Arrays.equals(secret, wrong));
                }
            }
        }
    }

    @Test
    void shouldGiveUniformSharesBelowTheThreshold() {
        // t = 3: any two of the three shares of a fixed secret are uniform pairs of bytes. Chi-square of the pair
        // (at x=1,
        // share at x=2) of the first byte over 65536 cells would need millions of sharings; the byte at each point
        // and their XOR (a linear combination) over 256 cells need fewer.
        final byte[] secret = {(byte) 0xA5};
        final int sharings = 40_000;
        final long[][] counts = new long[3][256];
        for (int i = 0; i < sharings; i++) {
            final byte[][] s = ShamirGf256.share(secret, 3, new int[] {1, 2, 3}, random);
            counts[0][s[0][0] & 0xFF]++;
            counts[1][s[1][0] & 0xFF]++;
            counts[2][(s[0][0] ^ s[1][0]) & 0xFF]++;
        }
        for (final long[] c : counts) {
            assertTrue(Uniformity.chiSquare(c) < Uniformity.CHI_SQUARE_255_P_1E6, Arrays.toString(c));
        }
    }

    @Test
    void shouldRefuseBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> ShamirGf256.share(new byte[4], 3, new int[] {1, 2}, random));
        assertThrows(IllegalArgumentException.class, () -> ShamirGf256.share(new byte[4], 1, new int[] {0}, random));
        assertThrows(IllegalArgumentException.class, () -> ShamirGf256.share(new byte[4], 1, new int[] {256}, random));
        assertThrows(IllegalArgumentException.class, () -> ShamirGf256.lagrangeAtZero(new int[] {3, 3}));
        assertThrows(IllegalArgumentException.class,
            () -> ShamirGf256.combine(new int[] {1, 2}, new byte[][] {new byte[4]}));
    }

    /** The textbook product: carry-less multiplication, then reduction by x^8 + x^4 + x^3 + x + 1. */
    private static int slowMul(final int a, final int b) {
        int product = 0;
        for (int i = 0; i < 8; i++) {
            if ((b >> i & 1) != 0) {
                product ^= a << i;
            }
        }
        for (int bit = 14; bit >= 8; bit--) {
            if ((product >> bit & 1) != 0) {
                product ^= 0x11B << (bit - 8);
            }
        }
        return product;
    }
}
