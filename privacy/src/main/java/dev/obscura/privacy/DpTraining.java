package dev.obscura.privacy;

import dev.obscura.backend.Backends;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistSplit;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * DP-SGD training of {@link MnistCnn} on MNIST in plaintext, reporting the privacy spent after every epoch: the entry
 * point behind {@code obscura mnist train --dp-epsilon E --dp-delta D --clip C} (or {@code --dp-noise SIGMA}).
 *
 * <p>With a target ε the noise multiplier is calibrated before training ({@link NoiseCalibration}) for the whole
 * run (epochs times steps per epoch at sampling rate B/N), so the final ε is at most the target. After each epoch the
 * test accuracy (the test set is not the protected data) and ε at δ are printed; nothing computed from the training
 * data is printed except through the mechanism (no training loss or accuracy, which would leak).
 *
 * <p>{@link #main} runs it from the command line with the same option names, for use before the command is wired.
 */
public final class DpTraining {
    private DpTraining() {
    }

    /**
     * Trains on the first {@code limit} training images of {@code data} (tested on the first {@code testLimit} test
     * images) with {@code options}, drawing the noise and the batches from {@code random}, printing
     * one line per epoch to {@code out}.
     *
     * @throws IllegalArgumentException when an option is out of range or the privacy budget cannot be met
     */
    public static Result train(final MnistData data, final Options options, final RandomBits random,
                               final PrintWriter out) {
        final PlainEngine engine = new PlainEngine();
        return train(data, options, engine, MnistCnn.create(engine, options.seed), random, out);
    }

    /**
     * As {@link #train(MnistData, Options, RandomBits, PrintWriter)}, but trains {@code model} (any network
     * from {@code [N, 1, 28, 28]} images to 10 logits, of linear, convolution and parameter-free layers for the
     * layerwise per-example gradients; for example one loaded with {@code ModelFile.apply}) in place on
     * {@code engine}; the options' seed is then unused.
     *
     * @throws IllegalArgumentException when an option is out of range or the privacy budget cannot be met
     */
    public static Result train(final MnistData data, final Options options, final PlainEngine engine,
                               final Sequential<PlainTensor> model, final RandomBits random, final PrintWriter out) {
        options.check();
        final MnistSplit train = data.train().limit(options.limit);
        final MnistSplit test = data.test().limit(options.testLimit);
        final int n = train.count();
        if (options.batch > n) {
            throw new IllegalArgumentException("--batch must not exceed the training images, batch="
                + options.batch + ", images=" + n);
        }
        final BatchSampler sampler = options.poisson ? new PoissonSampler(n, options.batch, random)
            : new ShuffleSampler(n, options.batch, random);
        final long totalSteps = (long) options.epochs * sampler.stepsPerEpoch();
        final double sigma = Double.isNaN(options.targetEpsilon) ? options.noiseMultiplier
            : NoiseCalibration.noiseMultiplier(options.targetEpsilon, options.delta, sampler.sampleRate(), totalSteps);

        final PerExampleGradients perExample = options.layerwise
            ? new LayerwiseGradients(engine, model, SoftmaxCrossEntropy::of)
            : new MicroBatchGradients(engine, model, SoftmaxCrossEntropy::of);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), options.learningRate, options.momentum,
            options.weightDecay);
        final RdpAccountant accountant = new RdpAccountant();
        final DpSgd dpSgd = new DpSgd(engine, perExample, sgd,
            new DpSgd.Settings(options.clipNorm, sigma, options.batch, n), random, accountant);

        out.printf("DP-SGD on %,d MNIST images (%,d test), GEMM %s%n", n, test.count(), engine.gemmName());
        out.printf("noise multiplier %.4f%s, clip %s (%.4f after the rounding margin), discrete Gaussian noise on the"
                + " 2^-%d grid%n", sigma, Double.isNaN(options.targetEpsilon) ? ""
                : String.format(" (calibrated for epsilon %s at delta %s over %d steps)", options.targetEpsilon,
                    options.delta, totalSteps), options.clipNorm, dpSgd.effectiveClipNorm(),
            dpSgd.noise().encoding().fracBits());
        out.printf("%s sampling, expected batch %d (q = %.6f), %d steps per epoch, %s per-example gradients,"
                + " lr %s, momentum %s, weight decay %s, seed %d%n",
            options.poisson ? "Poisson" : "shuffled fixed-size", options.batch, sampler.sampleRate(),
            sampler.stepsPerEpoch(), options.layerwise ? "layerwise" : "micro-batch", options.learningRate,
            options.momentum, options.weightDecay, options.seed);
        if (!options.poisson) {
            out.println("note: epsilon is computed for Poisson sampling; for shuffled batches it is the usual"
                + " estimate, not a proven bound");
        }
        out.flush();

        final List<Epoch> history = new ArrayList<>();
        float[] images = new float[0];
        int[] labels = new int[0];
        for (int epoch = 1; epoch <= options.epochs; epoch++) {
            final long start = System.nanoTime();
            for (int s = 0; s < sampler.stepsPerEpoch(); s++) {
                final int[] indices = sampler.next();
                final int b = indices.length;
                if (images.length < b * MnistSplit.PIXELS) {
                    images = new float[b * MnistSplit.PIXELS];
                    labels = new int[b];
                }
                train.copyBatch(indices, 0, b, images, labels);
                dpSgd.step(new PlainTensor(java.util.Arrays.copyOf(images, b * MnistSplit.PIXELS), b,
                    MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE), java.util.Arrays.copyOf(labels, b));
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double accuracy = accuracy(model, engine, test);
            final PrivacySpent spent = accountant.spent(options.delta);
            final Epoch e = new Epoch(epoch, accuracy, spent, seconds);
            history.add(e);
            out.printf("epoch %d/%d: test accuracy %.2f%%, epsilon %.4f at delta %s (RDP order %s), %.1f s%n", epoch,
                options.epochs, 100 * accuracy, spent.epsilon(), spent.delta(), spent.order(), seconds);
            out.flush();
        }
        final Epoch last = history.get(history.size() - 1);
        out.printf("Privacy spent: epsilon %.4f at delta %s (RDP accountant, %d steps of the sampled Gaussian"
                + " mechanism, sigma %.4f, q %.6f). Test accuracy %.2f%%%n", last.spent.epsilon(), options.delta,
            accountant.steps(), sigma, sampler.sampleRate(), 100 * last.testAccuracy);
        out.flush();
        return new Result(sigma, history, model);
    }

    /** The fraction of {@code split} that {@code model} classifies correctly. */
    static double accuracy(final Sequential<PlainTensor> model, final PlainEngine engine, final MnistSplit split) {
        final int batch = 256;
        final float[] images = new float[batch * MnistSplit.PIXELS];
        final int[] labels = new int[batch];
        int correct = 0;
        for (int from = 0; from < split.count(); from += batch) {
            final int b = Math.min(batch, split.count() - from);
            split.copyBatch(from, b, images, labels);
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final float[] logits = model.forward(tape.input(new PlainTensor(
                    java.util.Arrays.copyOf(images, b * MnistSplit.PIXELS), b, MnistCnn.CHANNELS, MnistCnn.SIZE,
                    MnistCnn.SIZE))).value().data();
                for (int i = 0; i < b; i++) {
                    int best = 0;
                    for (int k = 1; k < MnistCnn.CLASSES; k++) {
                        if (logits[i * MnistCnn.CLASSES + k] > logits[i * MnistCnn.CLASSES + best]) {
                            best = k;
                        }
                    }
                    correct += best == labels[i] ? 1 : 0;
                }
            }
        }
        return (double) correct / split.count();
    }

    /**
     * Runs a training from the command line: {@code --dp-epsilon E} or {@code --dp-noise SIGMA}, and optionally
     * {@code --dp-delta D --clip C --epochs E --batch B --lr LR --momentum M --weight-decay WD
     * --sampling poisson|shuffle --per-example layerwise|microbatch --seed S --limit N --test-limit N --data DIR}.
     * A bad option prints one line and exits with status 2.
     */
    public static void main(final String[] args) {
        final PrintWriter out = new PrintWriter(System.out, true);
        final Options options;
        final Optional<Path> dataDir;
        try {
            final CommandLineOptions parsed = CommandLineOptions.parse(args);
            options = parsed.options();
            dataDir = parsed.dataDir();
            options.check();
        } catch (final IllegalArgumentException e) {
            System.err.println("DpTraining: " + e.getMessage());
            System.exit(2);
            return;
        }
        final MnistData data = Mnist.load(Mnist.locate(dataDir), options.limit, options.testLimit);
        try (RandomBits random = RandomBits.fresh(Backends.defaultBackend())) {
            train(data, options, random, out);
        }
    }

    /**
     * One epoch's outcome.
     *
     * @param epoch        the epoch, from 1
     * @param testAccuracy the fraction of the test images classified correctly after it
     * @param spent        the privacy spent up to its end
     * @param seconds      its training time
     */
    public record Epoch(int epoch, double testAccuracy, PrivacySpent spent, double seconds) {
    }

    /**
     * A finished training.
     *
     * @param noiseMultiplier the σ used (given or calibrated)
     * @param epochs          one entry per epoch
     * @param model           the trained model (the one passed in, when one was)
     */
    public record Result(double noiseMultiplier, List<Epoch> epochs, Sequential<PlainTensor> model) {
    }

    /**
     * The options of a DP training, with defaults; fluent setters, checked by {@link #check()}. Exactly one of the
     * target ε and the noise multiplier must be given; neither has a default.
     */
    public static final class Options {
        private double targetEpsilon = Double.NaN;
        private double noiseMultiplier = Double.NaN;
        private double delta = 1e-5;
        private double clipNorm = 1.0;
        private int epochs = 15;
        private int batch = 256;
        private float learningRate = 0.1f;
        private float momentum = 0.9f;
        private float weightDecay = 5e-4f;
        private boolean poisson = true;
        private boolean layerwise = true;
        private long seed = 42;
        private int limit = Mnist.TRAIN_COUNT;
        private int testLimit = Mnist.TEST_COUNT;

        /** Calibrate σ for this ε at the end of training ({@code --dp-epsilon}); clears the noise multiplier. */
        public Options targetEpsilon(final double epsilon) {
            this.targetEpsilon = epsilon;
            this.noiseMultiplier = Double.NaN;
            return this;
        }

        /** Use this σ ({@code --dp-noise}); clears the target ε. */
        public Options noiseMultiplier(final double sigma) {
            this.noiseMultiplier = sigma;
            this.targetEpsilon = Double.NaN;
            return this;
        }

        /** δ ({@code --dp-delta}, default 1e-5). */
        public Options delta(final double value) {
            this.delta = value;
            return this;
        }

        /** The clip norm C ({@code --clip}, default 1). */
        public Options clipNorm(final double value) {
            this.clipNorm = value;
            return this;
        }

        /** Epochs ({@code --epochs}, default 15). */
        public Options epochs(final int value) {
            this.epochs = value;
            return this;
        }

        /** The expected batch size B ({@code --batch}, default 256). */
        public Options batch(final int value) {
            this.batch = value;
            return this;
        }

        /** The learning rate ({@code --lr}, default 0.1). */
        public Options learningRate(final float value) {
            this.learningRate = value;
            return this;
        }

        /** SGD momentum ({@code --momentum}, default 0.9). */
        public Options momentum(final float value) {
            this.momentum = value;
            return this;
        }

        /**
         * L2 weight decay ({@code --weight-decay}, default 5e-4 as {@code obscura mnist train}); it acts on the weights
         * and the noisy gradient only, so it costs no privacy.
         */
        public Options weightDecay(final float value) {
            this.weightDecay = value;
            return this;
        }

        /** Poisson sampling (true, the default) or shuffled fixed-size batches ({@code --sampling}). */
        public Options poisson(final boolean value) {
            this.poisson = value;
            return this;
        }

        /** Layerwise per-example gradients (true, the default) or micro-batches of one ({@code --per-example}). */
        public Options layerwise(final boolean value) {
            this.layerwise = value;
            return this;
        }

        /** The seed of the initial weights ({@code --seed}, default 42); the noise and batches use the PRG. */
        public Options seed(final long value) {
            this.seed = value;
            return this;
        }

        /** Train on the first N training images ({@code --limit}, default all). */
        public Options limit(final int value) {
            this.limit = value;
            return this;
        }

        /** Test on the first N test images ({@code --test-limit}, default all). */
        public Options testLimit(final int value) {
            this.testLimit = value;
            return this;
        }

        /**
         * Checks the options; the messages name the command-line option.
         *
         * @throws IllegalArgumentException with a one-line message naming the first bad option
         */
        public void check() {
            if (Double.isNaN(targetEpsilon) == Double.isNaN(noiseMultiplier)) {
                throw new IllegalArgumentException("give exactly one of --dp-epsilon and --dp-noise");
            }
            require(Double.isNaN(targetEpsilon) || targetEpsilon > 0 && targetEpsilon < 1e4,
                "--dp-epsilon must be a positive number, dp-epsilon=" + targetEpsilon);
            require(Double.isNaN(noiseMultiplier) || noiseMultiplier > 0 && noiseMultiplier <= 1e4,
                "--dp-noise must be a positive number, dp-noise=" + noiseMultiplier);
            require(delta > 0 && delta < 1, "--dp-delta must be in (0, 1), dp-delta=" + delta);
            require(clipNorm > 0 && clipNorm <= 1e6, "--clip must be a positive number, clip=" + clipNorm);
            require(epochs >= 1 && epochs <= 1000, "--epochs must be between 1 and 1000, epochs=" + epochs);
            require(batch >= 1, "--batch must be at least 1, batch=" + batch);
            require(learningRate > 0 && Float.isFinite(learningRate), "--lr must be a positive number, lr="
                + learningRate);
            require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), momentum=" + momentum);
            require(weightDecay >= 0 && Float.isFinite(weightDecay), "--weight-decay must be 0 or more,"
                + " weight-decay=" + weightDecay);
            require(limit >= 1, "--limit must be at least 1, limit=" + limit);
            require(testLimit >= 1, "--test-limit must be at least 1, test-limit=" + testLimit);
        }

        private static void require(final boolean ok, final String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        @Override
        public String toString() {
            return "Options[epsilon=" + targetEpsilon + ", sigma=" + noiseMultiplier + ", delta=" + delta + ", clip="
                + clipNorm + ", epochs=" + epochs + ", batch=" + batch + ", lr=" + learningRate + ", momentum="
                + momentum + ", weightDecay=" + weightDecay + ", poisson=" + poisson + ", layerwise=" + layerwise
                + ", seed=" + seed + ", limit=" + limit + ", testLimit=" + testLimit + "]";
        }
    }

    /** The parsed command line: the options and the MNIST directory, if given. */
    record CommandLineOptions(Options options, Optional<Path> dataDir) {
        static CommandLineOptions parse(final String[] args) {
            final Options o = new Options();
            Optional<Path> data = Optional.empty();
            for (int i = 0; i < args.length; i++) {
                final String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + name);
                }
                final String v = args[++i];
                try {
                    switch (name) {
                        case "--dp-epsilon" -> o.targetEpsilon(Double.parseDouble(v));
                        case "--dp-noise" -> o.noiseMultiplier(Double.parseDouble(v));
                        case "--dp-delta" -> o.delta(Double.parseDouble(v));
                        case "--clip" -> o.clipNorm(Double.parseDouble(v));
                        case "--epochs" -> o.epochs(Integer.parseInt(v));
                        case "--batch" -> o.batch(Integer.parseInt(v));
                        case "--lr" -> o.learningRate(Float.parseFloat(v));
                        case "--momentum" -> o.momentum(Float.parseFloat(v));
                        case "--weight-decay" -> o.weightDecay(Float.parseFloat(v));
                        case "--sampling" -> o.poisson(choice(name, v, "poisson", "shuffle"));
                        case "--per-example" -> o.layerwise(choice(name, v, "layerwise", "microbatch"));
                        case "--seed" -> o.seed(Long.parseLong(v));
                        case "--limit" -> o.limit(Integer.parseInt(v));
                        case "--test-limit" -> o.testLimit(Integer.parseInt(v));
                        case "--data" -> data = Optional.of(Path.of(v));
                        default -> throw new IllegalArgumentException("unknown option " + name);
                    }
                } catch (final NumberFormatException e) {
                    throw new IllegalArgumentException("not a number for " + name + ", value=" + v);
                }
            }
            return new CommandLineOptions(o, Objects.requireNonNull(data));
        }

        private static boolean choice(final String name, final String value, final String first,
                                      final String second) {
            if (value.equals(first)) {
                return true;
            }
            if (value.equals(second)) {
                return false;
            }
            throw new IllegalArgumentException(name + " must be " + first + " or " + second + ", value=" + value);
        }
    }
}
