package dev.obscura.federated.secagg;

import java.security.SecureRandom;

/**
 * Shamir t-of-n secret sharing (Bonawitz et al., Section 3.1), byte-wise over GF(2^8) = GF(2)[x]/(x^8 + x^4 + x^3 +
 * x + 1), the AES field.
 *
 * <p>Each byte {@code j} of the secret is the constant term of its own random polynomial
 * {@code f_j(x) = secret_j + a_{j,1} x + ... + a_{j,t-1} x^{t-1}}, and the share at evaluation point {@code x} is
 * {@code (f_0(x), ..., f_{L-1}(x))}. Any {@code t} shares give every {@code f_j(0)} by Lagrange interpolation; any
 * {@code t - 1} are uniformly distributed whatever the secret, byte by byte, because the coefficients of different
 * bytes are independent. Why this field rather than a prime one above 2^256: a share has exactly the secret's length
 * (32 bytes for an X25519 key, 16 for a seed) with no encoding of the key as a field element; the arithmetic is a few
 * shifts and XORs on bytes, run without a table or a branch on secret data (no cache-timing leak); and the one limit,
 * 255 non-zero evaluation points, is a round size this protocol's O(n^2) key exchange does not exceed in practice
 * (the paper's own evaluation stops at 500; larger cohorts are split into rounds).
 */
final class ShamirGf256 {
    /** x^8 = x^4 + x^3 + x + 1 in the field: the low byte of the AES polynomial. */
    private static final int REDUCTION = 0x1B;

    private ShamirGf256() {
    }

    /**
     * {@code SS.share(secret, t, points)}: one share per evaluation point.
     *
     * @param points distinct evaluation points in {@code [1, 255]}
     */
    static byte[][] share(final byte[] secret, final int threshold, final int[] points, final SecureRandom random) {
        if (threshold < 1 || threshold > points.length) {
            throw new IllegalArgumentException("threshold must be in [1, points], threshold=" + threshold
                + ", points=" + points.length);
        }
        final int length = secret.length;
        // coefficients[k - 1][j] = a_{j,k}, uniform in GF(2^8).
        final byte[][] coefficients = new byte[threshold - 1][length];
        for (final byte[] c : coefficients) {
            random.nextBytes(c);
        }
        final byte[][] shares = new byte[points.length][length];
        for (int i = 0; i < points.length; i++) {
            final int x = checkPoint(points[i]);
            for (int j = 0; j < length; j++) {
                // Horner: f_j(x) = (...(a_{j,t-1} x + a_{j,t-2}) x + ... + a_{j,1}) x + secret_j.
                int y = 0;
                for (int k = threshold - 2; k >= 0; k--) {
                    y = mul(y, x) ^ (coefficients[k][j] & 0xFF);
                }
                shares[i][j] = (byte) (mul(y, x) ^ (secret[j] & 0xFF));
            }
        }
        for (final byte[] c : coefficients) {
            java.util.Arrays.fill(c, (byte) 0);
        }
        return shares;
    }

    /**
     * The Lagrange coefficients at zero of the distinct evaluation points {@code x_i}:
     * {@code lambda_i = prod_{k != i} x_k / (x_k - x_i)}, where subtraction in GF(2^8) is XOR. The points are public,
     * so one set of coefficients serves every secret shared at those points.
     */
    static int[] lagrangeAtZero(final int[] points) {
        final int[] lambda = new int[points.length];
        for (int i = 0; i < points.length; i++) {
            int numerator = 1;
            int denominator = 1;
            for (int k = 0; k < points.length; k++) {
                if (k != i) {
                    numerator = mul(numerator, checkPoint(points[k]));
                    final int difference = points[k] ^ points[i];
                    if (difference == 0) {
                        throw new IllegalArgumentException("evaluation points must be distinct, point=" + points[k]);
                    }
                    denominator = mul(denominator, difference);
                }
            }
            lambda[i] = mul(numerator, inverse(denominator));
        }
        return lambda;
    }

    /** {@code SS.recon}: {@code secret = sum_i lambda_i * share_i}, byte by byte. */
    static byte[] combine(final int[] lambda, final byte[][] shares) {
        if (shares.length != lambda.length) {
            throw new IllegalArgumentException("one share per coefficient, shares=" + shares.length
                + ", coefficients=" + lambda.length);
        }
        final int length = shares[0].length;
        final byte[] secret = new byte[length];
        for (int i = 0; i < shares.length; i++) {
            if (shares[i].length != length) {
                throw new IllegalArgumentException("shares must have one length, length=" + shares[i].length
                    + ", expected=" + length);
            }
            for (int j = 0; j < length; j++) {
                secret[j] ^= (byte) mul(lambda[i], shares[i][j] & 0xFF);
            }
        }
        return secret;
    }

    /** Product in GF(2^8), without a branch or a table lookup that depends on the operands. */
    static int mul(final int a, final int b) {
        int product = 0;
        int x = a;
        int y = b;
        for (int bit = 0; bit < 8; bit++) {
            product ^= -(y & 1) & x;
            // x * X: shift, and reduce by the polynomial when the top bit falls out.
            x = ((x << 1) ^ (-((x >>> 7) & 1) & REDUCTION)) & 0xFF;
            y >>>= 1;
        }
        return product;
    }

    /** {@code a^-1 = a^254} (the multiplicative group has order 255), for non-zero {@code a}. */
    static int inverse(final int a) {
        int result = 1;
        int square = a;
        // 254 = 0b11111110: the product of a^2, a^4, ..., a^128.
        for (int bit = 1; bit < 8; bit++) {
            square = mul(square, square);
            result = mul(result, square);
        }
        return result;
    }

    private static int checkPoint(final int x) {
        if (x < 1 || x > 255) {
            throw new IllegalArgumentException("evaluation points must be in [1, 255], point=" + x);
        }
        return x;
    }
}
