package dev.obscura.privacy;

/**
 * Which records form each step's batch. The accountant's analysis (the sampled Gaussian mechanism) assumes
 * {@link PoissonSampler}: every record joins each batch independently with probability q. {@link ShuffleSampler}
 * (a fresh permutation per epoch cut into batches of exactly B) is what most training code does and is offered for
 * comparison; the ε reported for it is the Poisson figure, which practice reports but which is not a proven bound
 * for shuffling (see docs/PRIVACY.md).
 *
 * <p>The sampling is part of the mechanism (the batch must stay hidden for amplification by subsampling to hold), so
 * both draw from {@link RandomBits}, the AES-CTR PRG. Not thread-safe.
 */
public interface BatchSampler {

    /** The indices of the next step's batch, in {@code [0, datasetSize)}; may be empty (Poisson sampling). */
    int[] next();

    /** Steps that make one epoch (one expected pass over the data). */
    int stepsPerEpoch();

    /** The sampling rate q the accountant records per step: the expected batch size over the data set size. */
    double sampleRate();

    /** The expected batch size B, by which the noisy gradient sum is divided. */
    int expectedBatchSize();

    /** Checks {@code 1 <= batchSize <= datasetSize}. */
    static void checkSizes(final int datasetSize, final int batchSize) {
        if (datasetSize < 1 || batchSize < 1 || batchSize > datasetSize) {
            throw new IllegalArgumentException("need 1 <= batch size <= data set size, batch=" + batchSize
                + ", dataset=" + datasetSize);
        }
    }
}
