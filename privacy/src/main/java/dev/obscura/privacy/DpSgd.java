package dev.obscura.privacy;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.ring.FixedPoint;
import java.util.List;
import java.util.Objects;

/**
 * Differentially private SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016, Algorithm 1) as a
 * wrapper of {@link Sgd}: each step
 * <ol>
 *   <li>computes the gradient of every example's loss ({@link PerExampleGradients}),</li>
 *   <li>clips each to L2 norm {@code C} and sums them exactly in fixed point ({@link ClippedSum}),</li>
 *   <li>adds discrete Gaussian noise of standard deviation {@code sigma C} to every coordinate of the sum
 *       ({@link GaussianNoise}),</li>
 *   <li>divides by the expected batch size {@code B}, hands the result to the optimiser as the parameters' gradient
 *       and takes its step (momentum and weight decay act on the noisy gradient only, so they are post-processing),
 *       </li>
 *   <li>records the step (σ, q = B/N) in the {@link RdpAccountant}.</li>
 * </ol>
 * Only the noisy sum leaves the step: the per-example gradients, their norms and the clean sum stay inside. The
 * examples are processed in chunks (64 by default), which bounds the memory of the per-example gradients; the sum
 * is exact, so chunking changes nothing.
 *
 * <p>Not thread-safe: one per training loop, with its own {@link RandomBits}.
 */
public final class DpSgd {
    /** Examples per chunk of per-example gradients. */
    public static final int DEFAULT_CHUNK = 64;

    private final PerExampleGradients perExample;
    private final Sgd<PlainTensor> optimiser;
    private final List<Variable<PlainTensor>> parameters;
    private final ClippedSum clippedSum;
    private final GaussianNoise noise;
    private final RandomBits random;
    private final RdpAccountant accountant;
    private final double sampleRate;
    private final int expectedBatchSize;
    private final int chunk;
    private final Tape<PlainTensor> gradientSink;
    private final float[] rows;

    /**
     * DP-SGD over the parameters of {@code perExample}, stepping {@code optimiser} (built over the same parameters)
     * with {@code settings}, noise from {@code random}, and accounting in {@code accountant}.
     *
     * @throws IllegalArgumentException when a setting is out of range (see {@link Settings})
     */
    public DpSgd(final PlainEngine engine, final PerExampleGradients perExample, final Sgd<PlainTensor> optimiser,
                 final Settings settings, final RandomBits random, final RdpAccountant accountant) {
        Objects.requireNonNull(engine, "engine");
        this.perExample = Objects.requireNonNull(perExample, "perExample");
        this.optimiser = Objects.requireNonNull(optimiser, "optimiser");
        this.random = Objects.requireNonNull(random, "random");
        this.accountant = Objects.requireNonNull(accountant, "accountant");
        this.parameters = perExample.layout().parameters();
        this.clippedSum = new ClippedSum(perExample.layout().length(), settings.clipNorm(), settings.encoding());
        this.noise = GaussianNoise.forSensitivity(settings.noiseMultiplier(), settings.clipNorm(),
            settings.encoding());
        this.sampleRate = settings.sampleRate();
        this.expectedBatchSize = settings.expectedBatchSize();
        this.chunk = settings.chunk();
        this.gradientSink = new Tape<>(engine);
        this.rows = new float[Math.multiplyExact(chunk, perExample.layout().length())];
    }

    /**
     * One step on a sampled batch: {@code inputs} holds its examples along the first axis (possibly none, as Poisson
     * sampling can draw an empty batch: the noise is still added and the step still counts), {@code labels} one per
     * example.
     *
     * @return how many examples the batch had and how many of their gradients were clipped (these describe the
     *     private batch and are not differentially private: for diagnostics, not for release)
     * @throws IllegalArgumentException when the labels do not match the examples, or a per-example gradient is not
     *     finite; the step is then not taken
     */
    public Step step(final PlainTensor inputs, final int[] labels) {
        RowLayout.checkLabels(inputs, labels);
        final int n = labels.length;
        clippedSum.reset();
        final int[] shape = inputs.shape();
        final int exampleSize = n == 0 ? 0 : inputs.numel() / n;
        final int rowLength = perExample.layout().length();
        for (int from = 0; from < n; from += chunk) {
            final int count = Math.min(chunk, n - from);
            final float[] slice = new float[count * exampleSize];
            System.arraycopy(inputs.data(), from * exampleSize, slice, 0, slice.length);
            shape[0] = count;
            final int[] chunkLabels = java.util.Arrays.copyOfRange(labels, from, from + count);
            perExample.compute(new PlainTensor(slice, shape), chunkLabels, rows);
            for (int e = 0; e < count; e++) {
                clippedSum.add(rows, e * rowLength);
            }
        }
        final long[] sum = clippedSum.sum();
        noise.addTo(sum, random);
        final double scale = clippedSum.encoding().ulp() / expectedBatchSize;
        int at = 0;
        for (final Variable<PlainTensor> p : parameters) {
            final int size = p.value().numel();
            final float[] g = new float[size];
            for (int j = 0; j < size; j++) {
                g[j] = (float) (sum[at + j] * scale);
            }
            gradientSink.accumulate(p, new PlainTensor(g, p.value().shape()));
            at += size;
        }
        optimiser.step();
        accountant.step(noise.noiseMultiplier(), sampleRate);
        return new Step(n, clippedSum.clipped());
    }

    /** The accountant every step is recorded in. */
    public RdpAccountant accountant() {
        return accountant;
    }

    /** The noise (σ, C, the fixed-point grid). */
    public GaussianNoise noise() {
        return noise;
    }

    /** The norm the per-example gradients are clipped to after the rounding margin. */
    public double effectiveClipNorm() {
        return clippedSum.effectiveClipNorm();
    }

    @Override
    public String toString() {
        return "DpSgd[sigma=" + noise.noiseMultiplier() + ", clip=" + noise.sensitivity() + ", q=" + sampleRate
            + ", batch=" + expectedBatchSize + ", steps=" + accountant.steps() + "]";
    }

    /**
     * What one step saw (not differentially private).
     *
     * @param examples the batch size
     * @param clipped  how many per-example gradients were longer than the clip norm
     */
    public record Step(int examples, int clipped) {
    }

    /**
     * The privacy parameters of a DP-SGD run.
     *
     * @param clipNorm          the L2 norm {@code C} per-example gradients are clipped to
     * @param noiseMultiplier   σ: the noise standard deviation is {@code sigma C}
     * @param expectedBatchSize the expected batch size {@code B} (Poisson sampling) or the batch size
     * @param datasetSize       the number of training records {@code N}
     * @param encoding          the fixed-point grid of the sum and the noise
     * @param chunk             examples per chunk of per-example gradients
     */
    public record Settings(double clipNorm, double noiseMultiplier, int expectedBatchSize, int datasetSize,
                           FixedPoint encoding, int chunk) {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException unless {@code C > 0}, {@code sigma > 0},
         *     {@code 1 <= B <= N} and {@code chunk >= 1}
         */
        public Settings {
            if (!(clipNorm > 0) || clipNorm == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("clip norm must be a positive number, clip=" + clipNorm);
            }
            if (!(noiseMultiplier > 0) || noiseMultiplier == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("noise multiplier must be a positive number, sigma="
                    + noiseMultiplier);
            }
            BatchSampler.checkSizes(datasetSize, expectedBatchSize);
            Objects.requireNonNull(encoding, "encoding");
            if (chunk < 1) {
                throw new IllegalArgumentException("chunk must be positive, chunk=" + chunk);
            }
        }

        /** Settings with the default encoding (16 fractional bits) and chunk. */
        public Settings(final double clipNorm, final double noiseMultiplier, final int expectedBatchSize,
                        final int datasetSize) {
            this(clipNorm, noiseMultiplier, expectedBatchSize, datasetSize, FixedPoint.defaultEncoding(),
                DEFAULT_CHUNK);
        }

        /** The sampling rate {@code q = B / N}. */
        public double sampleRate() {
            return (double) expectedBatchSize / datasetSize;
        }
    }
}
