package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.data.LabelledImages;
import dev.obscura.data.MnistData;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.Classifier;
import dev.obscura.nn.train.EpochOrder;
import dev.obscura.nn.train.LayerRanges;
import dev.obscura.nn.train.Trainer;
import dev.obscura.privacy.DpTraining;
import dev.obscura.privacy.RandomBits;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code obscura mnist train}: trains {@link MnistCnn} with SGD (momentum, weight decay) on the MNIST training set,
 * in plaintext or secret-shared, from random weights or a saved model, evaluates the test accuracy after every epoch
 * and saves the model file.
 *
 * <p>What secure training reveals: during an epoch nothing, unless {@code --train-metrics} asks for every training
 * batch's logits to be opened to the data owner; after each epoch the test logits, to the data owner, exactly as
 * secure inference does; at the end the trained weights, to the model owner.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train the MNIST classifier and save it for `obscura mnist infer`.",
        "",
        "Plaintext by default. Starts from random weights, or with --init FILE from a saved model (plaintext or"
            + " secure training alike).",
        "",
        "With --secure the whole training runs under MPC: party " + MnistCommand.MODEL_OWNER
            + " (model owner) secret-shares the initial weights, party " + MnistCommand.DATA_OWNER
            + " (data owner) secret-shares each batch of images and its one-hot labels; forward, backward and the"
            + " SGD update run on shares, and nothing is revealed during an epoch, so the train loss and accuracy"
            + " show as '-'. After each epoch the test images are classified on shares and only their logits are"
            + " opened, to the data owner alone, for the test accuracy, as in secure inference. At the end only the"
            + " model owner learns the trained weights, which it saves. --train-metrics also opens every training"
            + " batch's logits to the data owner, to show the train loss and accuracy. Secure training is far"
            + " slower: start with --limit.",
        "",
        "Example:",
        "  obscura mnist train --limit 6000 --epochs 1",
        ""})
final class MnistTrainCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--secure", description = "Train on secret shares between the parties (slow). Reveals nothing"
        + " during an epoch: only each epoch's test logits, to the data owner, and the trained weights, to the model"
        + " owner.")
    private boolean secure;

    @Option(names = "--train-metrics", description = "With --secure, also open every training batch's logits to the"
        + " data owner, to show the train loss and accuracy (off by default: they show as '-'). Plaintext training"
        + " always shows them.")
    private boolean trainMetrics;

    @CommandLine.Mixin
    private PartyOptions partyOptions;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "1",
        description = "Passes over the training images (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64",
        description = "Images per SGD step (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.05",
        description = {"Learning rate (default: ${DEFAULT-VALUE}).",
            "With --secure, a rate at which training diverges does not give NaN as in plaintext: the shares' fixed"
                + " point (16 fractional bits, |x| < 2^46) wraps unseen, and the test accuracy falls to chance."})
    private float learningRate;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9",
        description = "SGD momentum, 0 for none (default: ${DEFAULT-VALUE}).")
    private float momentum;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "5e-4",
        description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    private float weightDecay;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
        description = "Seed of the initial weights and of the shuffling (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--model", paramLabel = "FILE", defaultValue = MnistCommand.DEFAULT_MODEL,
        description = {"Where to save the trained model.", "Default: ${DEFAULT-VALUE}."})
    private Path modelFile;

    @Option(names = "--init", paramLabel = "FILE",
        description = {"Start from the weights of this model file instead of random ones.",
            "Default: random weights from --seed."})
    private Path initFile;

    @CommandLine.Mixin
    private DataOptions dataOptions;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "60000",
        description = "Train on the first N training images (default: ${DEFAULT-VALUE}, all).")
    private int limit;

    @Option(names = "--test-limit", paramLabel = "N", defaultValue = "10000",
        description = "Measure the accuracy on the first N test images (default: ${DEFAULT-VALUE}, all).")
    private int testLimit;

    @CommandLine.ArgGroup(exclusive = false, heading = "%nDifferential privacy (DP-SGD, plaintext training):%n")
    private DpOptions dp;

    /**
     * The DP-SGD options (Abadi et al., CCS 2016; docs/PRIVACY.md): given any of them, the training clips every
     * example's gradient, adds discrete Gaussian noise and reports the privacy spent after every epoch.
     */
    static final class DpOptions {
        @Option(names = "--dp-epsilon", paramLabel = "E",
            description = "Train with DP-SGD, calibrating the noise so that the whole run spends at most this epsilon.")
        private Double epsilon;

        @Option(names = "--dp-noise", paramLabel = "SIGMA",
            description = "Train with DP-SGD at this noise multiplier (instead of --dp-epsilon).")
        private Double noise;

        @Option(names = "--dp-delta", paramLabel = "D", defaultValue = "1e-5",
            description = "The delta of the reported (epsilon, delta) (default: ${DEFAULT-VALUE}; keep it below"
                + " 1/N).")
        private double delta = 1e-5;

        @Option(names = "--clip", paramLabel = "C", defaultValue = "1.0",
            description = "Clip each example's gradient to this L2 norm (default: ${DEFAULT-VALUE}).")
        private double clip = 1.0;

        @Option(names = "--sampling", paramLabel = "poisson|shuffle", defaultValue = "poisson",
            description = "Batch sampling: poisson (what the accountant assumes; default) or shuffle.")
        private String sampling = "poisson";

        @Option(names = "--per-example", paramLabel = "layerwise|microbatch", defaultValue = "layerwise",
            description = "How per-example gradients are computed (default: ${DEFAULT-VALUE}).")
        private String perExample = "layerwise";
    }

    /**
     * The operation under which the protocol suite counts opened (revealed) tensors, every {@code reveal} and
     * {@code revealTo} included; secure training audits it around the training steps.
     */
    static final String OPEN_OPERATION = "open";

    /**
     * One epoch's numbers, for the summary table; {@code metrics} false when the train loss and accuracy were not
     * revealed (secure training without --train-metrics), then {@code loss} and {@code trainCorrect} mean nothing.
     */
    private record Epoch(int epoch, boolean metrics, double loss, int trainCorrect, int trainCount, int testCorrect,
                         int testCount, double trainSeconds, double testSeconds) {
    }

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, epochs >= 1 && epochs <= 1000, "--epochs must be between 1 and 1000, epochs=" + epochs);
        MnistCommand.check(cmd, batch >= 1 && batch <= MnistCommand.MAX_BATCH,
            "--batch must be between 1 and " + MnistCommand.MAX_BATCH + ", batch=" + batch);
        MnistCommand.check(cmd, learningRate > 0 && Float.isFinite(learningRate),
            "--lr must be a positive number, lr=" + learningRate);
        MnistCommand.check(cmd, momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), momentum=" + momentum);
        MnistCommand.check(cmd, weightDecay >= 0 && Float.isFinite(weightDecay),
            "--weight-decay must be 0 or more, weight-decay=" + weightDecay);
        MnistCommand.check(cmd, limit >= 1, "--limit must be at least 1, limit=" + limit);
        MnistCommand.check(cmd, testLimit >= 1, "--test-limit must be at least 1, test-limit=" + testLimit);
        partyOptions.check(cmd, secure);
        if (dp != null) {
            MnistCommand.check(cmd, !secure, "--dp-epsilon and --dp-noise train in plaintext: DP-SGD on secret"
                + " shares is not implemented, so they cannot be combined with --secure");
            MnistCommand.check(cmd, dp.epsilon != null || dp.noise != null,
                "give --dp-epsilon or --dp-noise with the other differential privacy options");
            MnistCommand.check(cmd, dp.epsilon == null || dp.noise == null,
                "give only one of --dp-epsilon and --dp-noise");
            MnistCommand.check(cmd, "poisson".equals(dp.sampling) || "shuffle".equals(dp.sampling),
                "--sampling must be poisson or shuffle");
            MnistCommand.check(cmd, "layerwise".equals(dp.perExample) || "microbatch".equals(dp.perExample),
                "--per-example must be layerwise or microbatch");
            try {
                dpOptions().check();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, e.getMessage());
            }
        }
        // Before any work: a model that cannot be saved, or a bad --init file, must not cost a whole training run.
        MnistCommand.requireWritable(modelFile, "--model");
        final ModelData init = initFile == null ? null : checkedInit();
        final boolean metrics = !secure || trainMetrics;
        final PrintWriter out = cmd.getOut();
        final Backend backend = secure ? partyOptions.backend() : null;
        final PlainEngine plainEngine = secure ? null : new PlainEngine();
        final MnistData data = dataOptions.load(limit, testLimit, out);
        out.printf("Training %s on %,d images (%,d test) from %s%n", secure
            ? "secret-shared between " + partyOptions.parties() + " parties, backend " + backend.name()
            : "in plaintext (float, GEMM " + plainEngine.gemmName() + ")",
            data.train().count(), data.test().count(), data.directory());
        out.printf("epochs %d, batch %d, lr %s, momentum %s, weight decay %s, seed %d%n", epochs, batch, learningRate,
            momentum, weightDecay, seed);
        out.println(init == null ? "Starting from random weights (seed " + seed + ")"
            : "Starting from the weights in " + initFile.toAbsolutePath());
        if (secure) {
            out.println(metrics
                ? "Opened to party " + MnistCommand.DATA_OWNER + " (data owner): every training batch's logits"
                    + " (--train-metrics) and each epoch's test logits"
                : "Opened to party " + MnistCommand.DATA_OWNER + " (data owner): each epoch's test logits only;"
                    + " train loss and accuracy stay secret (--train-metrics shows them)");
            out.println("Opened to party " + MnistCommand.MODEL_OWNER + " (model owner): the trained weights, at the"
                + " end");
        }
        out.flush();
        if (dp != null) {
            trainPrivately(data, init, out);
            return;
        }
        final Training result;
        if (secure) {
            final String refusal = MnistCommand.rangeRefusal(initialRanges(data, init), MnistCommand.FIXED_POINT,
                partyOptions.allowOutOfRange(), "initial model, " + data.train().count() + " training images",
                out);
            if (refusal != null) {
                throw new IllegalStateException(refusal);
            }
            result = MnistCommand.runParties(partyOptions.parties(), backend, MnistCommand.FIXED_POINT,
                ops -> train(Roles.secure(ops, metrics), data, init, out)).get(MnistCommand.DATA_OWNER);
        } else {
            result = train(Roles.plain(plainEngine), data, init, out);
        }
        final List<Epoch> history = result.history();

        final Tables table = new Tables("epoch", "train loss", "train acc", "test acc", "train time", "train img/s",
            "test time");
        for (final Epoch e : history) {
            table.row(Integer.toString(e.epoch), e.metrics ? String.format("%.4f", e.loss) : "-",
                e.metrics ? Tables.percent(e.trainCorrect, e.trainCount) : "-",
                Tables.percent(e.testCorrect, e.testCount), Tables.duration(e.trainSeconds),
                String.format("%.1f", e.trainCount / e.trainSeconds), Tables.duration(e.testSeconds));
        }
        out.println();
        table.print(out);
        if (secure) {
            out.printf("Tensors opened during the training steps: %d%s%n", result.trainingOpens(),
                metrics ? " (one per batch, --train-metrics)" : "");
        }
        final Epoch last = history.get(history.size() - 1);
        out.printf("Test accuracy: %s (%d/%d). Model saved to %s%n", Tables.percent(last.testCorrect, last.testCount),
            last.testCorrect, last.testCount, modelFile.toAbsolutePath());
    }

    /** The DP-SGD settings of this command line. */
    private DpTraining.Options dpOptions() {
        final DpTraining.Options o = new DpTraining.Options().delta(dp.delta).clipNorm(dp.clip).epochs(epochs)
            .batch(batch).learningRate(learningRate).momentum(momentum).weightDecay(weightDecay)
            .poisson("poisson".equals(dp.sampling)).layerwise("layerwise".equals(dp.perExample)).seed(seed)
            .limit(limit).testLimit(testLimit);
        return dp.epsilon != null ? o.targetEpsilon(dp.epsilon) : o.noiseMultiplier(dp.noise);
    }

    /**
     * DP-SGD in plaintext ({@link DpTraining}): the model from --init or the seed, trained with clipped per-example
     * gradients and discrete Gaussian noise drawn from the AES-CTR generator, the privacy spent printed after every
     * epoch, the model saved at the end.
     */
    private void trainPrivately(final MnistData data, final ModelData init, final PrintWriter out) {
        final PlainEngine engine = new PlainEngine();
        final Sequential<PlainTensor> model = MnistCommand.model(engine, seed, init, true);
        final DpTraining.Result result;
        try (RandomBits random = RandomBits.fresh(dev.obscura.backend.Backends.defaultBackend())) {
            result = DpTraining.train(data, dpOptions(), engine, model, random, out);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        final Tables table = new Tables("epoch", "test acc", "epsilon", "delta", "train time");
        for (final DpTraining.Epoch e : result.epochs()) {
            table.row(Integer.toString(e.epoch()), String.format("%.2f%%", 100 * e.testAccuracy()),
                String.format("%.4f", e.spent().epsilon()), String.valueOf(e.spent().delta()),
                Tables.duration(e.seconds()));
        }
        out.println();
        table.print(out);
        ModelFile.write(ModelBinding.capture(model, engine, Reveal.toAll(engine)), modelFile);
        out.printf("Model saved to %s%n", modelFile.toAbsolutePath());
        out.flush();
    }

    /**
     * The --init file, read and checked against the network before any data is loaded, so that a missing, corrupt
     * or different-architecture file fails at once with the same messages as {@code mnist infer --model}.
     */
    private ModelData checkedInit() {
        final ModelData init = MnistCommand.readModel(initFile, "--init");
        MnistCommand.model(new PlainEngine(), 0, init, true);
        return init;
    }

    // -------------------------------------------------------------------------------------------- training

    /**
     * What tells a party's training apart from another's, and plaintext from secure: the engines, who learns which
     * opened tensor, which data this party holds, and how to count the tensors opened.
     *
     * @param modelEngine  the engine of the parameters (the model owner's)
     * @param dataEngine   the engine of the images and one-hot targets, the tape's (the data owner's)
     * @param trainLogits  how each training batch's logits are opened ({@link Reveal#none()}: not at all)
     * @param testLogits   how each test batch's logits are opened
     * @param weights      how the trained weights are opened for the file
     * @param holdsModel   whether this party provides the initial weights (and so writes the file)
     * @param holdsData    whether this party holds the images (and so reports progress and results)
     * @param opens        the number of tensors opened so far (0 in plaintext)
     * @param label        the prefix of the progress lines
     * @param <T>          the engines' tensor type
     */
    private record Roles<T>(TensorEngine<T> modelEngine, TensorEngine<T> dataEngine, Reveal<T> trainLogits,
                            Reveal<T> testLogits, Reveal<T> weights, boolean holdsModel, boolean holdsData,
                            LongSupplier opens, String label) {

        static Roles<PlainTensor> plain(final PlainEngine engine) {
            final Reveal<PlainTensor> all = Reveal.toAll(engine);
            return new Roles<>(engine, engine, all, all, all, true, true, () -> 0, "");
        }

        /**
         * One party's roles in secure training: party {@link MnistCommand#MODEL_OWNER} shares the weights and alone
         * learns the trained ones; party {@link MnistCommand#DATA_OWNER} shares the images and labels (the tape's
         * engine shares the one-hot targets) and alone learns the test logits, and each training batch's logits
         * only with {@code metrics}.
         */
        static Roles<SecretTensor> secure(final SecureOps ops, final boolean metrics) {
            final int me = ops.session().partyId();
            final Reveal<SecretTensor> toDataOwner = Reveal.toParty(ops, MnistCommand.DATA_OWNER);
            return new Roles<>(new SecureEngine(ops, MnistCommand.MODEL_OWNER),
                new SecureEngine(ops, MnistCommand.DATA_OWNER), metrics ? toDataOwner : Reveal.none(), toDataOwner,
                Reveal.toParty(ops, MnistCommand.MODEL_OWNER), me == MnistCommand.MODEL_OWNER,
                me == MnistCommand.DATA_OWNER, () -> ops.session().stats().of(OPEN_OPERATION).calls(), "secure ");
        }
    }

    /**
     * The outcome of a training run at one party: the epochs (empty at a party that does not hold the data) and
     * the tensors opened during the training steps (counted by the data owner).
     */
    private record Training(List<Epoch> history, long trainingOpens) {
    }

    /**
     * One party's training, the same code in plaintext and secure (SPMD: every party runs it with its own
     * {@code roles}): the epochs, each followed by the test accuracy, then the trained weights, opened to the model
     * owner, who writes the file. A party that does not hold the data trains on {@link LabelledImages#withheld}
     * images of the same count and shape.
     */
    private <T> Training train(final Roles<T> roles, final MnistData data, final ModelData init,
        final PrintWriter out) {
        final Sequential<T> model = MnistCommand.model(roles.modelEngine(), seed, init, roles.holdsModel());
        final Sgd<T> sgd = new Sgd<>(roles.modelEngine(), model.parameters(), learningRate, momentum, weightDecay);
        final List<Epoch> history = new ArrayList<>();
        long trainingOpens = 0;
        try {
            final Trainer<T> trainer = new Trainer<>(model, roles.dataEngine(), sgd, roles.trainLogits());
            final Classifier<T> classifier = new Classifier<>(model, roles.dataEngine(), roles.testLogits());
            final LabelledImages train = roles.holdsData() ? data.train()
                : LabelledImages.withheld(data.train().count(), data.train().imageShape());
            final LabelledImages test = roles.holdsData() ? data.test()
                : LabelledImages.withheld(data.test().count(), data.test().imageShape());
            final EpochOrder order = new EpochOrder(train.count(), seed);
            for (int epoch = 1; epoch <= epochs; epoch++) {
                final long opensBefore = roles.opens().getAsLong();
                final Trainer.Epoch trained;
                double trainSeconds = 0;
                try (Progress p = progress(roles, "epoch " + epoch + "/" + epochs, train.count(), out)) {
                    trained = trainer.epoch(train, order.next(), batch, p == null ? BatchListener.NONE : p);
                    trainSeconds = p == null ? 0 : p.seconds();
                }
                trainingOpens += roles.opens().getAsLong() - opensBefore;
                final int[] predictions;
                double testSeconds = 0;
                try (Progress p = progress(roles, "test " + epoch + "/" + epochs, test.count(), out)) {
                    predictions = classifier.predict(test, batch, p == null ? BatchListener.NONE : p);
                    testSeconds = p == null ? 0 : p.seconds();
                }
                if (roles.holdsData()) {
                    final Epoch e = new Epoch(epoch, trained.revealed(), trained.meanLoss(), trained.correct(),
                        train.count(), MnistCommand.correct(predictions, test), test.count(), trainSeconds,
                        testSeconds);
                    report(out, e);
                    history.add(e);
                }
            }
            final ModelData trainedWeights = ModelBinding.capture(model, roles.modelEngine(), roles.weights());
            if (roles.holdsModel()) {
                ModelFile.write(trainedWeights, modelFile);
            }
        } finally {
            sgd.releaseState();
            MnistCommand.release(model, roles.modelEngine());
        }
        return new Training(history, trainingOpens);
    }

    /** A progress display at the party that holds the data, {@code null} at every other. */
    private static Progress progress(final Roles<?> roles, final String task, final int total,
        final PrintWriter out) {
        return roles.holdsData() ? Progress.start(roles.label() + task, total, out) : null;
    }

    /**
     * The initial model (from --init or the seed) run over the training images in plaintext, measuring every
     * layer's magnitudes for the range check before secure training.
     */
    private LayerRanges initialRanges(final MnistData data, final ModelData init) {
        final PlainEngine engine = new PlainEngine();
        final LayerRanges ranges = new LayerRanges(MnistCommand.model(engine, seed, init, true));
        new Classifier<>(ranges, engine, Reveal.none()).predict(data.train(), batch, BatchListener.NONE);
        return ranges;
    }

    // -------------------------------------------------------------------------------------------- helpers

    private static void report(final PrintWriter out, final Epoch e) {
        if (e.metrics) {
            out.printf("epoch %d: train loss %.4f, train accuracy %s, test accuracy %s (%d/%d)%n", e.epoch, e.loss,
                Tables.percent(e.trainCorrect, e.trainCount), Tables.percent(e.testCorrect, e.testCount),
                e.testCorrect, e.testCount);
        } else {
            out.printf("epoch %d: train loss -, train accuracy - (not revealed), test accuracy %s (%d/%d)%n", e.epoch,
                Tables.percent(e.testCorrect, e.testCount), e.testCorrect, e.testCount);
        }
        out.flush();
    }
}
