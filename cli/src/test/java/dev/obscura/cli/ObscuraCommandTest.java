package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ObscuraCommandTest {

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

    @Test
    void shouldMultiplySharedMatricesIdenticallyOnEveryBackend() {
        final Run r = run("demo", "--size", "7,33,5", "--repeat", "1");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("identical"), r.out());
        assertFalse(r.out().contains("DIFFER"), r.out());
        assertTrue(r.out().contains("Every backend is within it"), r.out());
    }

    @Test
    void shouldRejectBadSizesWithAMessageAndNoStackTrace() {
        final Run r = run("demo", "--size", "7,0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--size needs three sizes"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldRejectUnknownBackendClearly() {
        final Run r = run("demo", "--backend", "quantum", "--size", "2,2,2");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("unknown backend quantum"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldListBackendsWithTheDefault() {
        final Run r = run("backends");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("java"), r.out());
        assertTrue(r.out().contains("default: "), r.out());
        assertTrue(r.out().matches("(?s).*plain GEMM.*\\njava +100 +available.*"), r.out());
    }

    @Test
    void shouldExplainHowToBuildTheBenchmarksJarWhenItIsMissing() {
        final Run r = run("bench", "--jar", "/nonexistent/benchmarks.jar", "--out", "target/bench-test");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("benchmarks jar not found at /nonexistent/benchmarks.jar"), r.err());
        assertTrue(r.err().contains("mvn -q install -DskipTests"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldPrintUsageForUnknownOption() {
        final Run r = run("--no-such-option");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Unknown option"), r.err());
    }
}
