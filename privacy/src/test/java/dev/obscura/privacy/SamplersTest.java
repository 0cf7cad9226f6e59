package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SamplersTest {

    /** Every record joins each batch with probability B/N: the batch size and each record's frequency agree. */
    @Test
    void shouldSampleEachRecordIndependentlyWithRateBOverN() {
        final int n = 1000;
        final int b = 50;
        final int steps = 400;
        final long[] perGroup = new long[10];
        long total = 0;
        try (RandomBits random = Statistics.fixedSeed(60)) {
            final PoissonSampler sampler = new PoissonSampler(n, b, random);
            assertEquals(20, sampler.stepsPerEpoch());
            assertEquals(0.05, sampler.sampleRate());
            for (int s = 0; s < steps; s++) {
                final int[] batch = sampler.next();
                for (int i = 0; i < batch.length; i++) {
                    assertTrue(batch[i] >= 0 && batch[i] < n);
                    assertTrue(i == 0 || batch[i] > batch[i - 1], "distinct and sorted");
                    perGroup[batch[i] / 100]++;
                }
                total += batch.length;
            }
        }
        final double q = (double) b / n;
        assertEquals((double) b * steps, total, 4.5 * Math.sqrt(steps * n * q * (1 - q)));
        final double[] p = new double[10];
        Arrays.fill(p, 0.1);
        final double chi2 = Statistics.chiSquare(perGroup, p);
        assertTrue(chi2 < Statistics.chiSquareCritical(9), "chi2=" + chi2);
    }

    @Test
    void shouldCutEachEpochsPermutationIntoBatchesOfExactlyB() {
        try (RandomBits random = Statistics.fixedSeed(61)) {
            final ShuffleSampler sampler = new ShuffleSampler(103, 10, random);
            assertEquals(10, sampler.stepsPerEpoch());
            int[] firstEpoch = null;
            for (int epoch = 0; epoch < 3; epoch++) {
                final boolean[] seen = new boolean[103];
                final int[] all = new int[100];
                for (int s = 0; s < sampler.stepsPerEpoch(); s++) {
                    final int[] batch = sampler.next();
                    assertEquals(10, batch.length);
                    for (int i = 0; i < batch.length; i++) {
                        assertTrue(!seen[batch[i]], "no record twice in an epoch");
                        seen[batch[i]] = true;
                        all[s * 10 + i] = batch[i];
                    }
                }
                if (firstEpoch == null) {
                    firstEpoch = all;
                } else {
                    assertTrue(!Arrays.equals(firstEpoch, all), "a fresh permutation each epoch");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ShuffleSampler(10, 11, Statistics.fixedSeed(1)));
        assertThrows(IllegalArgumentException.class, () -> new PoissonSampler(10, 0, Statistics.fixedSeed(1)));
    }
}
