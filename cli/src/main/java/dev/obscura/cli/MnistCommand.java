package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistSplit;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.PartyFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code obscura mnist} command group: train the MNIST network ({@link MnistTrainCommand}) and classify the test
 * set with it ({@link MnistInferCommand}), in plaintext or secret-shared between parties run as threads of this
 * process. Also the helpers both subcommands share: loading the data, choosing the backend, batched prediction.
 *
 * <p>Roles in secure mode: party {@value #MODEL_OWNER} owns the model (it shares the weights and alone learns trained
 * weights), party {@value #DATA_OWNER} owns the data (it shares images and labels and alone learns the logits).
 */
@Command(name = "mnist", mixinStandardHelpOptions = true,
    description = {"Train and run the MNIST digit classifier, in plaintext or secure.",
        "",
        "The classifier is a small LeNet-style CNN with 33,542 parameters. With --secure, the parties run inside"
            + " this process as threads, each holding only its shares, beside a dealer thread that supplies the"
            + " correlated randomness (Beaver triples and masks) the protocols consume. Party "
            + MnistCommand.MODEL_OWNER
            + " owns the model: it shares the weights and alone learns trained ones. Party " + MnistCommand.DATA_OWNER
            + " owns the data: it shares the images and labels and alone learns the logits that are opened.",
        "",
        "Start with:",
        "  obscura mnist train --limit 6000",
        "  obscura mnist infer --secure --limit 1000",
        "",
        "MNIST is read from the first of:",
        "  --data DIR",
        "  $" + Mnist.ENVIRONMENT,
        "  -D" + Mnist.PROPERTY + "=DIR",
        "  " + Mnist.DEFAULT_DIRECTORY + " in the working directory or above it",
        "  " + Mnist.DEFAULT_DIRECTORY + " in the project root or above it",
        "    (the launcher sets -D" + Mnist.PROJECT_ROOT_PROPERTY + ")",
        ""},
    subcommands = {MnistTrainCommand.class, MnistInferCommand.class})
final class MnistCommand implements Runnable {
    /** The party that owns the model in secure mode: it shares the weights. */
    static final int MODEL_OWNER = 0;
    /** The party that owns the data in secure mode: it shares images and labels and receives the logits. */
    static final int DATA_OWNER = 1;
    /** The default model file, in the working directory. */
    static final String DEFAULT_MODEL = "mnist-cnn.obscura";
    /** The largest batch accepted. */
    static final int MAX_BATCH = 4096;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    // ------------------------------------------------------------------------------------------- shared helpers

    /** Loads at most {@code trainLimit} training and {@code testLimit} test images from {@code dataDir}. */
    static MnistData load(final Path dataDir, final int trainLimit, final int testLimit) {
        return Mnist.load(Mnist.locate(Optional.ofNullable(dataDir)), trainLimit, testLimit);
    }

    /**
     * Runs {@code program} on {@code parties} parties (threads) over {@code backend} and returns their results; a
     * failing party's original exception is rethrown, so the user sees its message.
     */
    static <R> List<R> runParties(final int parties, final Backend backend, final Function<SecureOps, R> program) {
        try {
            return LocalParties.builder().parties(parties).backend(backend).build().run(program);
        } catch (PartyFailureException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * Reads the model file named by {@code option} ({@code --model} of infer, {@code --init} of train), failing with
     * a clear message when it is missing; a corrupt file fails with {@link dev.obscura.nn.io.ModelFormatException},
     * whose message names the file and what is wrong.
     */
    static ModelData readModel(final Path model, final String option) {
        if (Files.isDirectory(model)) {
            throw new IllegalStateException(option + " " + model + " is a directory, not a model file");
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("no model file at " + model.toAbsolutePath() + ": run `obscura mnist train"
                + (model.toString().equals(DEFAULT_MODEL) ? "" : " --model " + model)
                + "` first, or pass " + option + " FILE");
        }
        return ModelFile.read(model);
    }

    /**
     * Checks that {@code model} (from {@code option}) is a file that {@link ModelFile#write} can create or replace:
     * its directory exists and is writable, and it is not itself a directory. Run before a long job, so a bad path
     * fails at once, not after the work.
     */
    static void requireWritable(final Path model, final String option) {
        final Path target = model.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new IllegalStateException("cannot save the model to " + target + " (" + option + "): it is a"
                + " directory; give a file name, e.g. " + option + " " + target.resolve(DEFAULT_MODEL));
        }
        final Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalStateException("cannot save the model to " + target + " (" + option + "): the"
                + " directory " + dir + " does not exist; create it first or choose another " + option);
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalStateException("cannot save the model to " + target + " (" + option + "): the"
                + " directory " + dir + " is not writable; choose another " + option);
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new IllegalStateException("cannot save the model to " + target + " (" + option + "): it exists"
                + " and is not a regular file");
        }
    }

    /** Checks common numeric options, naming the option in the message (exit status 2). */
    static void check(final CommandLine cmd, final boolean ok, final String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(cmd, message);
        }
    }

    /** The index of the largest of each row of {@code logits [rows, CLASSES]}, written to {@code into[from ..]}. */
    static void argmax(final double[] logits, final int rows, final int[] into, final int from) {
        final int k = MnistCnn.CLASSES;
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (logits[r * k + j] > logits[r * k + best]) {
                    best = j;
                }
            }
            into[from + r] = best;
        }
    }

    /** The number of predictions equal to the split's labels. */
    static int correct(final int[] predictions, final MnistSplit split) {
        int c = 0;
        for (int i = 0; i < predictions.length; i++) {
            if (predictions[i] == split.label(i)) {
                c++;
            }
        }
        return c;
    }

    /** The predicted class of every image of {@code split}, in plaintext, batch by batch. */
    static int[] predictPlain(final Sequential<PlainTensor> model, final PlainEngine engine, final MnistSplit split,
        final int batch, final Progress progress) {
        final int n = split.count();
        final int[] predictions = new int[n];
        final float[] images = new float[batch * MnistSplit.PIXELS];
        final int[] labels = new int[batch];
        for (int from = 0; from < n; from += batch) {
            final int b = Math.min(batch, n - from);
            split.copyBatch(from, b, images, labels);
            final PlainTensor x = engine.fromFloats(Arrays.copyOf(images, b * MnistSplit.PIXELS), b,
                MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE);
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final Variable<PlainTensor> logits = model.forward(tape.input(x));
                final float[] values = engine.toFloats(logits.value());
                argmax(toDoubles(values), b, predictions, from);
            }
            if (progress != null) {
                progress.step(b, null);
            }
        }
        return predictions;
    }

    /**
     * The predicted class of every image of {@code split}, secret-shared: run by every party SPMD. The data owner
     * shares each batch of images through {@code dataEngine}, every party evaluates {@code model} on the shares, and
     * the logits are opened to the data owner only. Returns the predictions at the data owner, {@code null} at every
     * other party (which never sees the images or the logits). {@code progress} is updated by the data owner only.
     */
    static int[] predictSecure(final SecureOps ops, final Sequential<SecretTensor> model,
        final SecureEngine dataEngine, final MnistSplit split, final int batch, final Progress progress) {
        final boolean dataOwner = ops.session().partyId() == DATA_OWNER;
        final int n = split.count();
        final int[] predictions = dataOwner ? new int[n] : null;
        final float[] images = new float[batch * MnistSplit.PIXELS];
        final int[] labels = new int[batch];
        for (int from = 0; from < n; from += batch) {
            final int b = Math.min(batch, n - from);
            final float[] mine = new float[b * MnistSplit.PIXELS];
            if (dataOwner) {
                split.copyBatch(from, b, images, labels);
                System.arraycopy(images, 0, mine, 0, mine.length);
            }
            final SecretTensor x = dataEngine.fromFloats(mine, b, MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE);
            try (Tape<SecretTensor> tape = new Tape<>(dataEngine)) {
                final Variable<SecretTensor> logits = model.forward(tape.input(x));
                final double[] opened = ops.revealTo(DATA_OWNER, logits.value());
                if (dataOwner) {
                    argmax(opened, b, predictions, from);
                }
            } finally {
                dataEngine.release(x);
            }
            if (dataOwner && progress != null) {
                progress.step(b, null);
            }
        }
        return predictions;
    }

    /** Releases every parameter of {@code model} (its shares, off-heap). */
    static void release(final Sequential<SecretTensor> model, final SecureEngine engine) {
        for (final Variable<SecretTensor> p : model.parameters()) {
            p.zeroGrad(engine);
            engine.release(p.value());
        }
    }

    static double[] toDoubles(final float[] values) {
        final double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
