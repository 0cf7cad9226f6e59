package dev.obscura.privacy;

import java.util.Arrays;
import java.util.Objects;

/**
 * Fixed-size batches: every epoch a fresh uniform permutation of the {@code N} records (Fisher–Yates with
 * {@link RandomBits}) cut into {@code floor(N / B)} batches of exactly {@code B} (the last {@code N mod B} records of
 * the permutation sit the epoch out). The accountant's figure assumes Poisson sampling; see {@link BatchSampler}.
 */
public final class ShuffleSampler implements BatchSampler {
    private final int datasetSize;
    private final int batchSize;
    private final RandomBits random;
    private final int[] order;
    private int nextBatch;

    /** Batches of {@code batchSize} records out of {@code datasetSize}. */
    public ShuffleSampler(final int datasetSize, final int batchSize, final RandomBits random) {
        BatchSampler.checkSizes(datasetSize, batchSize);
        this.datasetSize = datasetSize;
        this.batchSize = batchSize;
        this.random = Objects.requireNonNull(random, "random");
        this.order = new int[datasetSize];
        this.nextBatch = stepsPerEpoch();
    }

    @Override
    public int[] next() {
        if (nextBatch == stepsPerEpoch()) {
            for (int i = 0; i < datasetSize; i++) {
                order[i] = i;
            }
            for (int i = datasetSize - 1; i > 0; i--) {
                final int j = (int) random.uniform(i + 1L);
                final int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            nextBatch = 0;
        }
        final int from = nextBatch++ * batchSize;
        return Arrays.copyOfRange(order, from, from + batchSize);
    }

    @Override
    public int stepsPerEpoch() {
        return datasetSize / batchSize;
    }

    @Override
    public double sampleRate() {
        return (double) batchSize / datasetSize;
    }

    @Override
    public int expectedBatchSize() {
        return batchSize;
    }

    @Override
    public String toString() {
        return "ShuffleSampler[dataset=" + datasetSize + ", batch=" + batchSize + "]";
    }
}
