package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private record Run(int status, String out, String err) {
    }

    private static Run run(final String... args) {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            final int status = ObscuraCommand.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
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
            final Run r = run("mnist", "train", "--limit", "256", "--test-limit", "256", "--epochs", "1",
                "--batch", "32", "--model", model.toString(), "--data", mnist.toString());
            assertEquals(0, r.status(), r.err());
        }
    }

    private static void assertNoStackTrace(final Run r) {
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.out().contains("\tat "), r.out());
    }

    @Test
    @Order(1)
    void shouldTrainInPlaintextAndSaveTheModel() {
        assumeMnist();
        final Run r = run("mnist", "train", "--limit", "256", "--test-limit", "256", "--epochs", "1",
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
        final Run r = run("mnist", "infer", "--limit", "64", "--model", model.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("plaintext \\(GEMM \\w+\\) +\\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        assertFalse(r.out().contains("secure ("), r.out());
    }

    @Test
    @Order(3)
    void shouldInferSecurelyAndAgreeWithPlaintext() {
        assumeModel();
        final Run r = run("mnist", "infer", "--secure", "--limit", "64", "--batch", "32", "--model",
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
    void shouldTrainSecurelyOnATinySubset() {
        assumeMnist();
        final Path secureModel = dir.resolve("secure.obscura");
        final Run r = run("mnist", "train", "--secure", "--limit", "64", "--test-limit", "32", "--batch", "32",
            "--model", secureModel.toString(), "--data", mnist.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("test accuracy \\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        assertTrue(Files.isRegularFile(secureModel), "model file written");
    }

    @Test
    void shouldSayToTrainFirstWhenTheModelIsMissing() {
        final Run r = run("mnist", "infer", "--model", dir.resolve("absent.obscura").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("obscura mnist train"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldRejectBatchZero() {
        final Run r = run("mnist", "train", "--batch", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--batch must be between 1 and"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldRejectNegativeEpochs() {
        final Run r = run("mnist", "train", "--epochs", "-1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--epochs must be"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldRejectANonNumber() {
        final Run r = run("mnist", "infer", "--limit", "many");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--limit"), r.err());
        assertNoStackTrace(r);
    }

    @Test
    void shouldReportAMissingDataDirectoryClearly() {
        final Run r = run("mnist", "train", "--limit", "32", "--data", dir.resolve("no-such-dir").toString(),
            "--model", dir.resolve("never.obscura").toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("MNIST data not found"), r.err());
        assertTrue(r.err().contains("no-such-dir"), r.err());
        assertNoStackTrace(r);
        assertFalse(Files.exists(dir.resolve("never.obscura")));
    }

    @Test
    void shouldExplainItselfInHelp() {
        final Run r = run("mnist", "train", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("--secure"), r.out());
        assertTrue(r.out().contains("--test-limit"), r.out());
        final Run group = run("mnist");
        assertEquals(0, group.status(), group.err());
        assertTrue(group.out().contains("train"), group.out());
        assertTrue(group.out().contains("infer"), group.out());
    }
}
