package dev.obscura.federated.secagg;

import dev.obscura.ring.FixedPoint;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Test updates: fixed-point encodings of random reals, with the edge values of the encoding at the first positions.
 * The test's generator is seeded for reproducibility only; the protocol's own randomness is {@code SecureRandom}.
 */
final class Updates {
    static final FixedPoint FP = FixedPoint.defaultEncoding();

    private Updates() {
    }

    /**
     * {@code n} updates of {@code m} values, client ids {@code 0, 3, 6, ...} (not contiguous), every value of
     * magnitude at most {@code maxMagnitude / n} so that the sum stays encodable, the first values of each update
     * being the edges: 0, +-1 ulp, +-the largest magnitude, and the largest magnitude with the fewest set bits.
     */
    static Map<Integer, long[]> fixedPoint(final int n, final int m, final long testSeed) {
        final SplittableRandom rnd = new SplittableRandom(testSeed);
        final double bound = FP.maxMagnitude() / n;
        final double[] edges = {0, FP.ulp(), -FP.ulp(), bound, -bound, Math.scalb(1.0, 30), -Math.scalb(1.0, 30)};
        final Map<Integer, long[]> updates = new TreeMap<>();
        for (int u = 0; u < n; u++) {
            final long[] x = new long[m];
            for (int i = 0; i < m; i++) {
                final double v = i < edges.length ? edges[(i + u) % edges.length]
                    : rnd.nextInt(8) == 0 ? rnd.nextDouble(-bound, bound) : rnd.nextDouble(-1000, 1000);
                x[i] = FP.encode(v);
            }
            updates.put(3 * u, x);
        }
        return updates;
    }

    /** {@code n} updates of arbitrary ring elements (the whole of Z_2^64, Long.MIN_VALUE and -1 included). */
    static Map<Integer, long[]> ring(final int n, final int m, final long testSeed) {
        final SplittableRandom rnd = new SplittableRandom(testSeed);
        final long[] edges = {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0, 1};
        final Map<Integer, long[]> updates = new TreeMap<>();
        for (int u = 0; u < n; u++) {
            final long[] x = new long[m];
            for (int i = 0; i < m; i++) {
                x[i] = i < edges.length ? edges[(i + u) % edges.length] : rnd.nextLong();
            }
            updates.put(u + 1, x);
        }
        return updates;
    }
}
