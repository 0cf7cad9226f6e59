package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.data.LabelledImages;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistDownload;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.LayerRanges;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.PartyFailureException;
import dev.obscura.ring.FixedPoint;
import dev.obscura.text.UntrustedText;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code obscura mnist} command group: train the MNIST network ({@link MnistTrainCommand}) and classify the test
 * set with it ({@link MnistInferCommand}), in plaintext or secret-shared between parties run as threads of this
 * process. Also the helpers both subcommands share: loading the data and the model, running the parties, the range
 * check.
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
        "  -D" + Mnist.PROPERTY + "=DIR",
        "  $" + Mnist.ENVIRONMENT,
        "  " + Mnist.DEFAULT_DIRECTORY + " in the working directory or above it",
        "  " + Mnist.DEFAULT_DIRECTORY + " in the project root or above it",
        "    (the launcher sets -D" + Mnist.PROJECT_ROOT_PROPERTY + ")",
        "  the download cache: " + MnistDownload.CACHE_FLAG + " DIR, else $" + MnistDownload.CACHE_ENVIRONMENT
            + ",",
        "    else ~/.cache/obscura; when the files are nowhere else, they are",
        "    downloaded there from the public mirrors, each checked against its",
        "    published SHA-256",
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
    /** The fixed point of every secure run (the default, f = 16), which the range check measures against. */
    static final FixedPoint FIXED_POINT = FixedPoint.defaultEncoding();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    // ------------------------------------------------------------------------------------------- shared helpers

    /**
     * Runs {@code program} on {@code parties} parties (threads) over {@code backend} at {@code fixedPoint} and returns
     * their results; a failing party's original exception (or error) is rethrown, so the user sees its message.
     */
    static <R> List<R> runParties(final int parties, final Backend backend, final FixedPoint fixedPoint,
        final Function<SecureOps, R> program) {
        try {
            return LocalParties.builder().parties(parties).backend(backend).fixedPoint(fixedPoint).build()
                .run(program);
        } catch (PartyFailureException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                // Out of memory in a party: the command's handler says so in one line, as for the main thread.
                throw error;
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
            throw new IllegalStateException(option + " " + UntrustedText.quote(model)
                + " is a directory, not a model file");
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("no model file at " + UntrustedText.quote(model.toAbsolutePath())
                + ": run `obscura mnist train"
                + (model.toString().equals(DEFAULT_MODEL) ? "" : " --model " + UntrustedText.quote(model))
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
        final String cannot = "cannot save the model to " + UntrustedText.quote(target) + " (" + option + "): ";
        if (Files.isDirectory(target)) {
            throw new IllegalStateException(cannot + "it is a directory; give a file name, e.g. " + option + " "
                + UntrustedText.quote(target.resolve(DEFAULT_MODEL)));
        }
        final Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalStateException(cannot + "the directory " + UntrustedText.quote(dir) + " does not exist;"
                + " create it first or choose another " + option);
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalStateException(cannot + "the directory " + UntrustedText.quote(dir) + " is not writable;"
                + " choose another " + option);
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new IllegalStateException(cannot + "it exists and is not a regular file");
        }
    }

    /** Checks common numeric options, naming the option in the message (exit status 2). */
    static void check(final CommandLine cmd, final boolean ok, final String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(cmd, message);
        }
    }

    /** The number of predictions equal to the labels of {@code images}. */
    static int correct(final int[] predictions, final LabelledImages images) {
        int c = 0;
        for (int i = 0; i < predictions.length; i++) {
            if (predictions[i] == images.label(i)) {
                c++;
            }
        }
        return c;
    }

    /**
     * {@link MnistCnn} on {@code engine} from random weights of {@code seed}, or with {@code weights} when given: the
     * party that {@code holdsWeights} (the model owner; in plaintext, the only one) applies them, every other party a
     * placeholder of the same shapes (a secure engine takes the values of its owner only).
     */
    static <T> Sequential<T> model(final TensorEngine<T> engine, final long seed, final ModelData weights,
        final boolean holdsWeights) {
        final Sequential<T> model = MnistCnn.create(engine, seed);
        if (weights != null) {
            try {
                ModelBinding.apply(holdsWeights ? weights : ModelBinding.placeholder(model, engine), model, engine);
            } catch (RuntimeException e) {
                release(model, engine);
                throw e;
            }
        }
        return model;
    }

    /**
     * Whether {@code ranges} (a plaintext model run over {@code what}) stayed within the range a secure run at
     * {@code fixedPoint} computes exactly, told before the secure pass: prints one line when it did and returns
     * {@code null}; else, with {@code allow}, prints one warning per layer that did not and returns {@code null};
     * else returns the one-line refusal that names the first such layer (never a value) and the flag that runs it
     * anyway.
     */
    static String rangeRefusal(final LayerRanges ranges, final FixedPoint fixedPoint, final boolean allow,
        final String what, final PrintWriter out) {
        final List<LayerRanges.OutOfRange> outside = ranges.outOfRange(fixedPoint);
        if (outside.isEmpty()) {
            out.printf("Range check (plaintext, %s): all layers within the secure range at f=%d%n", what,
                fixedPoint.fracBits());
        } else if (allow) {
            for (final LayerRanges.OutOfRange o : outside) {
                out.println("warning: " + o.describe() + "; the secure results may be wrong (" + PartyOptions.ALLOW
                    + ")");
            }
        } else {
            return "secure run refused: " + outside.get(0).describe()
                + (outside.size() > 1 ? " (and " + (outside.size() - 1) + " more layers after it)" : "")
                + "; a secure run would give wrong results without an error. Scale the weights or inputs down, or"
                + " pass " + PartyOptions.ALLOW + " to run it anyway";
        }
        out.flush();
        return null;
    }

    /** Releases every parameter of {@code model} (its shares, off-heap, for a secure engine) and its gradient. */
    static <T> void release(final Sequential<T> model, final TensorEngine<T> engine) {
        for (final Variable<T> p : model.parameters()) {
            p.zeroGrad(engine);
            engine.release(p.value());
        }
    }
}
