package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.models.MnistCnn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code obscura mnist train --dp-epsilon/--dp-noise}: DP-SGD from the command line on a small synthetic MNIST, the
 * privacy spent in the summary, the model saved and readable, and every bad combination refused in one line before
 * any work.
 */
class MnistDpTrainTest {

    @TempDir
    Path dir;

    private static final Pattern SPENT = Pattern.compile("Privacy spent: epsilon (\\d+\\.\\d+) at delta 1\\.0E-5");

    @Test
    void shouldTrainWithinTheBudgetAndSaveTheModel() {
        final Path mnist = SyntheticMnist.write(dir.resolve("mnist"), 256, 64);
        final Path model = dir.resolve("dp.obscura");
        final CommandRun r = CommandRun.of("mnist", "train", "--data", mnist.toString(), "--epochs", "2", "--batch",
            "32", "--dp-epsilon", "4", "--clip", "0.5", "--model", model.toString());
        assertEquals(0, r.status(), r.err());
        final Matcher spent = SPENT.matcher(r.out());
        assertTrue(spent.find(), r.out());
        final double epsilon = Double.parseDouble(spent.group(1));
        // Calibrated for the whole run: spends at most the target, and not far below it (bisection to 1e-4).
        assertTrue(epsilon <= 4.0 && epsilon > 3.99, r.out());
        assertTrue(r.out().contains("clip 0.5"), r.out());
        assertTrue(r.out().contains("Poisson sampling, expected batch 32 (q = 0.125000), 8 steps per epoch"),
            r.out());
        // Nothing computed from the training data is printed besides the mechanism's output.
        assertFalse(r.out().contains("train loss"), r.out());
        assertTrue(Files.isRegularFile(model), "model written");
        final PlainEngine engine = new PlainEngine();
        ModelBinding.apply(ModelFile.read(model), MnistCnn.create(engine, 0), engine);
    }

    @Test
    void shouldUseAGivenNoiseMultiplier() {
        final Path mnist = SyntheticMnist.write(dir.resolve("mnist"), 128, 32);
        final CommandRun r = CommandRun.of("mnist", "train", "--data", mnist.toString(), "--batch", "64",
            "--dp-noise", "1.5", "--sampling", "shuffle", "--model", dir.resolve("m.obscura").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("noise multiplier 1.5000,"), r.out());
        assertTrue(r.out().contains("shuffled fixed-size"), r.out());
        assertTrue(SPENT.matcher(r.out()).find(), r.out());
    }

    @Test
    void shouldRefuseBadCombinationsBeforeAnyWork() {
        final String model = dir.resolve("never.obscura").toString();
        refused("give only one of --dp-epsilon and --dp-noise", "--dp-epsilon", "1", "--dp-noise", "1",
            "--model", model);
        refused("give --dp-epsilon or --dp-noise", "--clip", "2", "--model", model);
        refused("cannot be combined with --secure", "--secure", "--dp-epsilon", "1", "--model", model);
        refused("--dp-delta must be in (0, 1)", "--dp-epsilon", "1", "--dp-delta", "2", "--model", model);
        refused("--clip must be a positive number", "--dp-epsilon", "1", "--clip", "-1", "--model", model);
        refused("--sampling must be poisson or shuffle", "--dp-epsilon", "1", "--sampling", "random", "--model",
            model);
        assertFalse(Files.exists(Path.of(model)));
    }

    private static void refused(final String message, final String... options) {
        final String[] args = new String[options.length + 2];
        args[0] = "mnist";
        args[1] = "train";
        System.arraycopy(options, 0, args, 2, options.length);
        final CommandRun r = CommandRun.of(args);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
