package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.obscura.backend.Backends;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistException;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MnistCommandTest {

    @TempDir
    static Path dir;

    private static Path mnist;
    private static Path model;

    private static CommandRun run(final String... args) {
        return CommandRun.of(args);
    }

    @BeforeAll
    static void findMnist() {
        try {
            mnist = Mnist.locate(Optional.empty());
        } catch (MnistException e) {
            mnist = null;
        }
        model = dir.resolve("model.obscura");
    }

    private static void assumeMnist() {
        assumeTrue(mnist != null, "MNIST not found (see Mnist.locate); skipping");
    }

    private static void assumeModel() {
        assumeMnist();
        if (!Files.isRegularFile(model)) {
            final CommandRun r = run("mnist", "train", "--limit", "256", "--test-limit", "256", "--epochs", "1",
                "--batch", "32", "--model", model.toString(), "--data", mnist.toString());
            assertEquals(0, r.status(), r.err());
        }
    }

    private static void assertNoStackTrace(final CommandRun r) {
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.out().contains("\tat "), r.out());
    }

    @Test
    @Order(1)
    void shouldTrainInPlaintextAndSaveTheModel() {
        assumeMnist();
        final CommandRun r = run("mnist", "train", "--limit", "256", "--test-limit", "256", "--epochs", "1",
            "--batch", "32", "--model", model.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("test accuracy \\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("train loss"), r.out());
        assertTrue(Files.isRegularFile(model), "model file written");
    }

    @Test
    @Order(2)
    void shouldInferInPlaintext() {
        assumeModel();
        final CommandRun r = run("mnist", "infer", "--limit", "64", "--model", model.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("plaintext \\(GEMM \\w+\\) +\\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        assertFalse(r.out().contains("secure ("), r.out());
    }

    @Test
    @Order(3)
    void shouldInferSecurelyAndAgreeWithPlaintext() {
        assumeModel();
        final CommandRun r = run("mnist", "infer", "--secure", "--limit", "64", "--batch", "32", "--model",
            model.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("plaintext \\(GEMM \\w+\\) +\\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("secure \\(2 parties\\) +\\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        final Matcher differ = Pattern.compile("differ between plaintext and secure: (\\d+) of 64").matcher(r.out());
        assertTrue(differ.find(), r.out());
        assertTrue(Integer.parseInt(differ.group(1)) <= 2, r.out());
    }

    @Test
    @Order(4)
    void shouldTrainSecurelyOnATinySubsetRevealingNothingDuringTheEpoch() {
        assumeMnist();
        final Path secureModel = dir.resolve("secure.obscura");
        final CommandRun r = run("mnist", "train", "--secure", "--limit", "64", "--test-limit", "32", "--batch", "32",
            "--model", secureModel.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("epoch 1: train loss -, train accuracy - \\(not revealed\\), test accuracy"
            + " \\d+\\.\\d\\d% \\(\\d+/32\\)").matcher(r.out()).find(), r.out());
        // The summary row: epoch, train loss and train acc as "-", then the test accuracy.
        assertTrue(Pattern.compile("(?m)^1 +- +- +\\d+\\.\\d\\d% ").matcher(r.out()).find(), r.out());
        // The protocol suite counted no opened tensor during the training steps (only the test logits after).
        assertTrue(r.out().contains("Tensors opened during the training steps: 0\n"), r.out());
        assertTrue(r.out().contains("each epoch's test logits only"), r.out());
        assertFalse(r.out().contains("loss 2."), "no running loss in the progress: " + r.out());
        assertTrue(Files.isRegularFile(secureModel), "model file written");
    }

    @Test
    @Order(5)
    void shouldRevealTrainMetricsInSecureTrainingOnlyWhenAsked() {
        assumeMnist();
        final CommandRun r = run("mnist", "train", "--secure", "--train-metrics", "--limit", "64", "--test-limit", "32",
            "--batch", "32", "--model", dir.resolve("secure-metrics.obscura").toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("epoch 1: train loss \\d+\\.\\d{4}, train accuracy \\d+\\.\\d\\d%")
            .matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("Tensors opened during the training steps: 2 (one per batch"), r.out());
    }

    @Test
    @Order(6)
    void shouldContinueTrainingFromASavedModelInPlaintextAndSecurely() {
        assumeModel();
        final CommandRun plain = run("mnist", "train", "--init", model.toString(), "--limit", "64", "--test-limit", "64",
            "--batch", "32", "--model", dir.resolve("continued.obscura").toString(), "--data", mnist.toString());
        assertEquals(0, plain.status(), plain.err());
        assertTrue(plain.out().contains("Starting from the weights in " + model.toAbsolutePath()), plain.out());
        assertTrue(Files.isRegularFile(dir.resolve("continued.obscura")), "model file written");

        final CommandRun secure = run("mnist", "train", "--secure", "--init", model.toString(), "--limit", "32",
            "--test-limit", "32", "--batch", "32", "--model", dir.resolve("continued-secure.obscura").toString(),
            "--data", mnist.toString());
        assertEquals(0, secure.status(), secure.err());
        assertTrue(secure.out().contains("Starting from the weights in " + model.toAbsolutePath()), secure.out());
        assertTrue(Pattern.compile("test accuracy \\d+\\.\\d\\d%").matcher(secure.out()).find(), secure.out());

        final CommandRun fresh = run("mnist", "train", "--limit", "32", "--test-limit", "32", "--batch", "32",
            "--model", dir.resolve("fresh.obscura").toString(), "--data", mnist.toString());
        assertTrue(fresh.out().contains("Starting from random weights (seed 42)"), fresh.out());
    }

    @Test
    void shouldRejectAMissingCorruptOrForeignInitFileBeforeLoadingData() throws IOException {
        // --data names no directory: a check that ran after loading the data would report MNIST instead.
        final String noData = dir.resolve("no-data").toString();
        final CommandRun missing = run("mnist", "train", "--init", dir.resolve("absent-init.obscura").toString(),
            "--data", noData, "--model", dir.resolve("never.obscura").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().startsWith("obscura: no model file at " + dir.resolve("absent-init.obscura")),
            missing.err());
        assertTrue(missing.err().contains("--init FILE"), missing.err());
        assertNoStackTrace(missing);

        final Path corrupt = Files.write(dir.resolve("corrupt.obscura"),
            "not a model".getBytes(StandardCharsets.UTF_8));
        final CommandRun bad = run("mnist", "train", "--init", corrupt.toString(), "--data", noData, "--model",
            dir.resolve("never.obscura").toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().startsWith("obscura: ") && bad.err().contains(corrupt.toString()), bad.err());
        assertFalse(bad.err().contains("MNIST"), bad.err());
        assertNoStackTrace(bad);

        final Path foreign = dir.resolve("foreign.obscura");
        ModelFile.write(new ModelData("Sequential(Linear)", List.of(
            new ModelData.Parameter("0.linear.weight", new int[] {1, 1}, new float[] {1f}))), foreign);
        final CommandRun other = run("mnist", "train", "--init", foreign.toString(), "--data", noData, "--model",
            dir.resolve("never.obscura").toString());
        assertEquals(1, other.status());
        assertTrue(other.err().contains("different parameter counts"), other.err());
        assertNoStackTrace(other);
        assertFalse(Files.exists(dir.resolve("never.obscura")));
    }

    @Test
    void shouldRefuseAModelPathThatCannotBeWrittenBeforeTraining() {
        final Path absentDir = dir.resolve("no-such-dir/sub");
        final CommandRun r = run("mnist", "train", "--model", absentDir.resolve("m.obscura").toString(), "--data",
            dir.resolve("no-data").toString());
        assertEquals(1, r.status());
        assertEquals("obscura: cannot save the model to " + absentDir.resolve("m.obscura") + " (--model): the"
            + " directory " + absentDir + " does not exist; create it first or choose another --model",
            r.err().strip());
        assertEquals("", r.out(), "fails before anything is loaded or trained");

        final CommandRun directory = run("mnist", "train", "--model", dir.toString(), "--data", dir.resolve("no-data")
            .toString());
        assertEquals(1, directory.status());
        assertTrue(directory.err().contains("(--model): it is a directory; give a file name, e.g. --model "
            + dir.resolve(MnistCommand.DEFAULT_MODEL)), directory.err());
        assertNoStackTrace(directory);
    }

    @Test
    void shouldRejectBackendAndPartiesWithoutSecure() {
        final CommandRun train = run("mnist", "train", "--backend", "nosuch", "--limit", "10");
        assertEquals(2, train.status());
        assertEquals(List.of("obscura: --backend and --parties apply only with --secure: add --secure, or leave out"
            + " --backend", "Try 'obscura mnist train --help' for usage."), train.err().lines().toList());
        assertEquals("", train.out());

        final CommandRun infer = run("mnist", "infer", "--parties", "3", "--backend", "java");
        assertEquals(2, infer.status());
        assertTrue(infer.err().startsWith("obscura: --backend and --parties apply only with --secure: add --secure,"
            + " or leave out --parties and --backend"), infer.err());
        assertNoStackTrace(infer);
    }

    @Test
    void shouldRejectAnUnknownBackendAsBadUsage() {
        for (final String command : List.of("train", "infer")) {
            final CommandRun r = run("mnist", command, "--secure", "--backend", "nosuch", "--data",
                dir.resolve("no-data").toString(), "--model", dir.resolve("absent.obscura").toString());
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().startsWith("obscura: --backend: unknown backend 'nosuch'; known backends: "), r.err());
            assertTrue(r.err().contains("java"), r.err());
            assertTrue(r.err().contains("Try 'obscura mnist " + command + " --help' for usage."), r.err());
        }
        final CommandRun parties = run("mnist", "train", "--secure", "--parties", "1");
        assertEquals(2, parties.status());
        assertTrue(parties.err().contains("--parties must be between 2 and 16"), parties.err());
    }

    @Test
    void shouldSayToTrainFirstWhenTheModelIsMissing() {
        final CommandRun r = run("mnist", "infer", "--model", dir.resolve("absent.obscura").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("obscura mnist train"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldRejectBatchZero() {
        final CommandRun r = run("mnist", "train", "--batch", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--batch must be between 1 and"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldRejectNegativeEpochs() {
        final CommandRun r = run("mnist", "train", "--epochs", "-1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--epochs must be"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldRejectANonNumber() {
        final CommandRun r = run("mnist", "infer", "--limit", "many");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--limit"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldReportAMissingDataDirectoryClearly() {
        final CommandRun r = run("mnist", "train", "--limit", "32", "--data", dir.resolve("no-such-dir").toString(),
            "--model", dir.resolve("never.obscura").toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("MNIST data not found"), r.err());
        assertTrue(r.err().contains("no-such-dir"), r.err());
        assertNoStackTrace(r);
        assertFalse(Files.exists(dir.resolve("never.obscura")));
    }

    @Test
    void shouldPassOnAPartysErrorSoTheHandlerReportsItInOneLine() {
        final OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> MnistCommand.runParties(2,
            Backends.byName("java"), MnistCommand.FIXED_POINT, ops -> {
                throw new OutOfMemoryError("Java heap space");
            }));
        assertTrue(ObscuraCommand.describe(thrown).startsWith("out of memory (Java heap space, heap limit "),
            ObscuraCommand.describe(thrown));
    }

    @Test
    void shouldExplainItselfInHelp() {
        final CommandRun r = run("mnist", "train", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("--secure"), r.out());
        assertTrue(r.out().contains("--test-limit"), r.out());
        assertTrue(r.out().contains("--train-metrics"), r.out());
        assertTrue(r.out().contains("--init=FILE"), r.out());
        final CommandRun group = run("mnist");
        assertEquals(0, group.status(), group.err());
        assertTrue(group.out().contains("train"), group.out());
        assertTrue(group.out().contains("infer"), group.out());
        assertTrue(group.out().contains("dealer thread"), group.out());
        // The order the loader follows (Mnist.locate): the property before the environment variable, the download
        // cache last.
        final String help = group.out();
        final int data = help.indexOf("  --data DIR");
        final int property = help.indexOf("-Dobscura.mnist.dir=DIR");
        final int environment = help.indexOf("$OBSCURA_MNIST_DIR");
        final int cache = help.indexOf("the download cache: --cache-dir DIR");
        assertTrue(data >= 0 && data < property && property < environment && environment < cache, help);
    }
}
