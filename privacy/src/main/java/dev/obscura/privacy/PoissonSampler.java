package dev.obscura.privacy;

import java.util.Arrays;
import java.util.Objects;

/**
 * Poisson sampling, as the accountant assumes: each of the {@code N} records joins a step's batch independently with
 * probability exactly {@code q = B / N} (one exact {@code Bernoulli(B / N)} per record from {@link RandomBits}), so
 * batches have {@code B} records on average and vary in size. One epoch is {@code round(N / B)} steps, as in Opacus.
 */
public final class PoissonSampler implements BatchSampler {
    private final int datasetSize;
    private final int expectedBatchSize;
    private final RandomBits random;
    private int[] scratch = new int[0];

    /** Batches of {@code expectedBatchSize} records on average out of {@code datasetSize}. */
    public PoissonSampler(final int datasetSize, final int expectedBatchSize, final RandomBits random) {
        BatchSampler.checkSizes(datasetSize, expectedBatchSize);
        this.datasetSize = datasetSize;
        this.expectedBatchSize = expectedBatchSize;
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public int[] next() {
        if (scratch.length < datasetSize) {
            scratch = new int[datasetSize];
        }
        int size = 0;
        for (int i = 0; i < datasetSize; i++) {
            if (random.bernoulli(expectedBatchSize, datasetSize)) {
                scratch[size++] = i;
            }
        }
        return Arrays.copyOf(scratch, size);
    }

    @Override
    public int stepsPerEpoch() {
        return Math.max(1, Math.round((float) datasetSize / expectedBatchSize));
    }

    @Override
    public double sampleRate() {
        return (double) expectedBatchSize / datasetSize;
    }

    @Override
    public int expectedBatchSize() {
        return expectedBatchSize;
    }

    @Override
    public String toString() {
        return "PoissonSampler[dataset=" + datasetSize + ", expectedBatch=" + expectedBatchSize + "]";
    }
}
