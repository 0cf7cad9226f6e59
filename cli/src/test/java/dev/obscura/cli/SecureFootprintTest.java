package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistException;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.ring.MemoryBudget;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10: secure inference accepted --batch 4096 (about 20 GB) and ended, under overcommit, with the OOM killer. */
class SecureFootprintTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void shouldDeriveTheEstimateFromTheModelsLargestActivation() {
        final PlainEngine engine = new PlainEngine();
        assertEquals(16 * 24 * 24, SecureFootprint.largestActivation(MnistCnn.create(engine, 0), engine, 7, 1, 28, 28),
            "the first convolution's output, per image");
        assertEquals(68L * 9216 * 8, SecureFootprint.bytesPerImage(2, 9216));
        assertEquals(98L * 9216 * 8, SecureFootprint.bytesPerImage(3, 9216));
        assertEquals(2 * 4 * MIB + 64 * 68L * 9216 * 8, SecureFootprint.bytes(64, 2, 9216));
        // Above every measurement in the class comment, for instance 285.6 MiB at 64 and 2089 MiB at 512 images.
        assertTrue(SecureFootprint.bytes(64, 2, 9216) > 286 * MIB);
        assertTrue(SecureFootprint.bytes(512, 2, 9216) > 2089 * MIB);
        assertTrue(SecureFootprint.bytes(256, 4, 9216) > 1961 * MIB);
    }

    @Test
    void shouldRefuseABatchWhoseEstimateExceedsTheBudgetBeforeAnyWork() {
        final CommandRun r = CommandRun.of("mnist", "infer", "--secure", "--batch", "4096", "--memory-budget", "2g",
            "--model", dir.resolve("absent.obscura").toString());
        assertEquals(2, r.status(), r.err());
        final String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("obscura: secure inference with --batch 4096 and 2 parties needs about 19 GiB"
            + " of off-heap memory (4096 x 4.78 MiB per image + 8.00 MiB), above the memory budget of 2.00 GiB: use"
            + " --batch 426 or less, or raise the budget with --memory-budget SIZE (or -Dobscura.memory.budget=SIZE)"),
            r.err());
        assertEquals("", r.out(), "refused before the model or the data is read");
        final CommandRun none = CommandRun.of("mnist", "infer", "--secure", "--parties", "16", "--memory-budget",
            "16m", "--model", dir.resolve("absent.obscura").toString());
        assertEquals(2, none.status(), none.err());
        assertTrue(none.err().contains("no batch fits, or raise the budget"), none.err());
    }

    @Test
    void shouldEstimateTheBatchThatRunsNotTheOneAskedForWhenTheLimitIsSmaller() {
        final CommandRun r = CommandRun.of("mnist", "infer", "--secure", "--batch", "4096", "--limit", "50",
            "--memory-budget", "2g", "--model", dir.resolve("absent.obscura").toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith("obscura: no model file at "), "passes the check, fails later: " + r.err());
    }

    @Test
    void shouldRunSecureInferenceWithinABudgetOfItsEstimate() {
        Path mnist;
        try {
            mnist = Mnist.locate(Optional.empty());
        } catch (MnistException e) {
            mnist = null;
        }
        assumeTrue(mnist != null, "MNIST not found (see Mnist.locate); skipping");
        final PlainEngine engine = new PlainEngine();
        final Path model = dir.resolve("random.obscura");
        ModelFile.save(MnistCnn.create(engine, 1), engine, model);
        final long budget = MemoryBudget.inUse() + SecureFootprint.bytes(16, 2, 9216);
        final CommandRun r = CommandRun.of("mnist", "infer", "--secure", "--limit", "32", "--batch", "16",
            "--memory-budget", Long.toString(budget), "--model", model.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("secure (2 parties)"), r.out());
        assertFalse(r.err().contains("budget"), r.err());
    }
}
