package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistSplit;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.Loss;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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

    @Option(names = "--data", paramLabel = "DIR",
        description = {"Directory holding the four MNIST files.", "Default: see `obscura mnist --help`."})
    private Path dataDir;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "60000",
        description = "Train on the first N training images (default: ${DEFAULT-VALUE}, all).")
    private int limit;

    @Option(names = "--test-limit", paramLabel = "N", defaultValue = "10000",
        description = "Measure the accuracy on the first N test images (default: ${DEFAULT-VALUE}, all).")
    private int testLimit;

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
        // Before any work: a model that cannot be saved, or a bad --init file, must not cost a whole training run.
        MnistCommand.requireWritable(modelFile, "--model");
        final ModelData init = initFile == null ? null : checkedInit();
        final boolean metrics = !secure || trainMetrics;
        final PrintWriter out = cmd.getOut();
        final Backend backend = secure ? partyOptions.backend() : null;
        final PlainEngine plainEngine = secure ? null : new PlainEngine();
        final MnistData data = MnistCommand.load(dataDir, limit, testLimit);
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
        final long[] trainingOpens = new long[1];
        final List<Epoch> history = secure ? trainSecure(data, backend, init, metrics, out, trainingOpens)
            : trainPlain(data, plainEngine, init, out);

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
            out.printf("Tensors opened during the training steps: %d%s%n", trainingOpens[0],
                metrics ? " (one per batch, --train-metrics)" : "");
        }
        final Epoch last = history.get(history.size() - 1);
        out.printf("Test accuracy: %s (%d/%d). Model saved to %s%n", Tables.percent(last.testCorrect, last.testCount),
            last.testCorrect, last.testCount, modelFile.toAbsolutePath());
    }

    /**
     * The --init file, read and checked against the network before any data is loaded, so that a missing, corrupt
     * or different-architecture file fails at once with the same messages as {@code mnist infer --model}.
     */
    private ModelData checkedInit() {
        final ModelData init = MnistCommand.readModel(initFile, "--init");
        final PlainEngine engine = new PlainEngine();
        ModelBinding.apply(init, MnistCnn.create(engine, 0), engine);
        return init;
    }

    // -------------------------------------------------------------------------------------------- plaintext

    private List<Epoch> trainPlain(final MnistData data, final PlainEngine engine, final ModelData init,
        final PrintWriter out) {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, seed);
        if (init != null) {
            ModelBinding.apply(init, model, engine);
        }
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), learningRate, momentum, weightDecay);
        final MnistSplit train = data.train();
        final int n = train.count();
        final int[] order = identity(n);
        final Random shuffle = new Random(seed);
        final float[] images = new float[batch * MnistSplit.PIXELS];
        final int[] labels = new int[batch];
        final List<Epoch> history = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            shuffle(order, shuffle);
            double lossSum = 0;
            int correct = 0;
            final double trainSeconds;
            try (Progress p = Progress.start("epoch " + epoch + "/" + epochs, n, out)) {
                for (int from = 0; from < n; from += batch) {
                    final int b = Math.min(batch, n - from);
                    train.copyBatch(order, from, b, images, labels);
                    final int[] batchLabels = Arrays.copyOf(labels, b);
                    final PlainTensor x = engine.fromFloats(Arrays.copyOf(images, b * MnistSplit.PIXELS), b,
                        MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE);
                    try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                        final Variable<PlainTensor> logits = model.forward(tape.input(x));
                        final double[] values = MnistCommand.toDoubles(engine.toFloats(logits.value()));
                        lossSum += SoftmaxCrossEntropy.meanLoss(values, batchLabels, MnistCnn.CLASSES) * b;
                        correct += countCorrect(values, batchLabels);
                        final Loss<PlainTensor> loss = SoftmaxCrossEntropy.of(logits, batchLabels);
                        loss.backward();
                        sgd.step();
                    }
                    p.step(b, String.format("loss %.3f", lossSum / (from + b)));
                }
                trainSeconds = p.seconds();
            }
            final int[] predictions;
            final double testSeconds;
            try (Progress p = Progress.start("test " + epoch + "/" + epochs, data.test().count(), out)) {
                predictions = MnistCommand.predictPlain(model, engine, data.test(), batch, p);
                testSeconds = p.seconds();
            }
            final Epoch e = new Epoch(epoch, true, lossSum / n, correct, n,
                MnistCommand.correct(predictions, data.test()),
                data.test().count(), trainSeconds, testSeconds);
            report(out, e);
            history.add(e);
        }
        ModelFile.save(model, engine, modelFile);
        return history;
    }

    // -------------------------------------------------------------------------------------------- secure

    /**
     * Secure training on the parties; {@code trainingOpens[0]} receives the number of tensors opened during the
     * training steps (the suite's count, at the data owner), which is 0 unless {@code metrics}.
     */
    private List<Epoch> trainSecure(final MnistData data, final Backend backend, final ModelData init,
        final boolean metrics, final PrintWriter out, final long[] trainingOpens) {
        final List<Epoch> history = new ArrayList<>();
        MnistCommand.runParties(partyOptions.parties(), backend, ops -> {
            trainParty(ops, data, init, metrics, out, history, trainingOpens);
            return null;
        });
        return history;
    }

    /**
     * One party's secure training, SPMD: every party runs this with its own {@code ops}. The model owner shares
     * {@code init} (or the random initial weights); every other party passes a placeholder of the same shapes.
     * Training logits are opened to the data owner only when {@code metrics}.
     */
    private void trainParty(final SecureOps ops, final MnistData data, final ModelData init,
        final boolean metrics, final PrintWriter out, final List<Epoch> history, final long[] trainingOpens) {
        final int me = ops.session().partyId();
        final boolean dataOwner = me == MnistCommand.DATA_OWNER;
        final SecureEngine modelEngine = new SecureEngine(ops, MnistCommand.MODEL_OWNER);
        // The tape's engine shares the inputs AND the one-hot target of SoftmaxCrossEntropy: the data owner's.
        final SecureEngine dataEngine = new SecureEngine(ops, MnistCommand.DATA_OWNER);
        final Sequential<SecretTensor> model = MnistCnn.create(modelEngine, seed);
        if (init != null) {
            try {
                ModelBinding.apply(me == MnistCommand.MODEL_OWNER ? init : ModelBinding.placeholder(model, modelEngine),
                    model, modelEngine);
            } catch (RuntimeException e) {
                MnistCommand.release(model, modelEngine);
                throw e;
            }
        }
        final Sgd<SecretTensor> sgd = new Sgd<>(modelEngine, model.parameters(), learningRate, momentum,
            weightDecay);
        try {
            final MnistSplit train = data.train();
            final int n = train.count();
            final int[] order = identity(n);
            final Random shuffle = new Random(seed);
            final float[] images = new float[batch * MnistSplit.PIXELS];
            final int[] labels = new int[batch];
            for (int epoch = 1; epoch <= epochs; epoch++) {
                if (dataOwner) {
                    shuffle(order, shuffle);
                }
                double lossSum = 0;
                int correct = 0;
                double trainSeconds = 0;
                final long opensBefore = ops.session().stats().of(OPEN_OPERATION).calls();
                try (Progress p = dataOwner ? Progress.start("secure epoch " + epoch + "/" + epochs, n, out) : null) {
                    for (int from = 0; from < n; from += batch) {
                        final int b = Math.min(batch, n - from);
                        final float[] mine = new float[b * MnistSplit.PIXELS];
                        // Every other party passes zeros (valid labels) of the right shape: SecureEngine ignores them.
                        final int[] batchLabels = new int[b];
                        if (dataOwner) {
                            train.copyBatch(order, from, b, images, labels);
                            System.arraycopy(images, 0, mine, 0, mine.length);
                            System.arraycopy(labels, 0, batchLabels, 0, b);
                        }
                        final SecretTensor x = dataEngine.fromFloats(mine, b, MnistCnn.CHANNELS, MnistCnn.SIZE,
                            MnistCnn.SIZE);
                        try (Tape<SecretTensor> tape = new Tape<>(dataEngine)) {
                            final Variable<SecretTensor> logits = model.forward(tape.input(x));
                            // Opening the logits tells the data owner more than the secure training promises,
                            // so only on request; every party takes this branch alike (the flag is shared).
                            if (metrics) {
                                final double[] opened = ops.revealTo(MnistCommand.DATA_OWNER, logits.value());
                                if (dataOwner) {
                                    lossSum += SoftmaxCrossEntropy.meanLoss(opened, batchLabels, MnistCnn.CLASSES)
                                        * b;
                                    correct += countCorrect(opened, batchLabels);
                                }
                            }
                            // Not loss.value(): that would open the logits to every party.
                            SoftmaxCrossEntropy.of(logits, batchLabels).backward();
                            sgd.step();
                        } finally {
                            dataEngine.release(x);
                        }
                        if (p != null) {
                            p.step(b, metrics ? String.format("loss %.3f", lossSum / (from + b)) : null);
                        }
                    }
                    if (p != null) {
                        trainSeconds = p.seconds();
                    }
                }
                if (dataOwner) {
                    trainingOpens[0] += ops.session().stats().of(OPEN_OPERATION).calls() - opensBefore;
                }
                final MnistSplit test = data.test();
                final int[] predictions;
                double testSeconds = 0;
                try (Progress p = dataOwner ? Progress.start("secure test " + epoch + "/" + epochs, test.count(), out)
                    : null) {
                    predictions = MnistCommand.predictSecure(ops, model, dataEngine, test, batch, p);
                    if (p != null) {
                        testSeconds = p.seconds();
                    }
                }
                if (dataOwner) {
                    final Epoch e = new Epoch(epoch, metrics, lossSum / n, correct, n,
                        MnistCommand.correct(predictions, test), test.count(), trainSeconds, testSeconds);
                    report(out, e);
                    synchronized (history) {
                        history.add(e);
                    }
                }
            }
            // The trained weights are opened to the model owner only, who writes the file.
            final List<String> names = ModelBinding.parameterNames(model);
            final List<ModelData.Parameter> params = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                final SecretTensor value = model.parameters().get(i).value();
                final double[] opened = ops.revealTo(MnistCommand.MODEL_OWNER, value);
                if (me == MnistCommand.MODEL_OWNER) {
                    final float[] values = new float[opened.length];
                    for (int j = 0; j < values.length; j++) {
                        values[j] = (float) opened[j];
                    }
                    params.add(new ModelData.Parameter(names.get(i), value.shape(), values));
                }
            }
            if (me == MnistCommand.MODEL_OWNER) {
                ModelFile.write(new ModelData(ModelBinding.architecture(model), params), modelFile);
            }
        } finally {
            sgd.releaseState();
            MnistCommand.release(model, modelEngine);
        }
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

    private static int[] identity(final int n) {
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Fisher-Yates shuffle. */
    private static void shuffle(final int[] order, final Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private static int countCorrect(final double[] logits, final int[] labels) {
        final int[] predicted = new int[labels.length];
        MnistCommand.argmax(logits, labels.length, predicted, 0);
        int c = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                c++;
            }
        }
        return c;
    }
}
