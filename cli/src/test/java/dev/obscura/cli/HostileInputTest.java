package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.HostileModelFiles;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.io.ModelFileDescriptor;
import dev.obscura.nn.models.MnistCnn;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile files, strings and sizes given to the {@code obscura} command (issue 10): each must end in one clear line
 * (two for a missing data set) and a non-zero exit, with no stack trace and no control character from the input
 * reaching the terminal.
 */
class HostileInputTest {
    private static final String ESC = "\u001b";
    private static final long TWO_GB = 2_000_000_000L;

    @TempDir
    Path dir;

    /** One line (or {@code lines}), no stack trace, nothing that can act on a terminal, and bounded in length. */
    private static void assertClean(final CommandRun r, final int lines) {
        final List<String> err = r.err().lines().toList();
        assertEquals(lines, err.size(), r.err());
        assertTrue(err.get(0).startsWith("obscura: "), err.get(0));
        for (final String line : err) {
            assertTrue(line.length() <= 1100, line.length() + " chars");
            for (int i = 0; i < line.length(); i++) {
                final char c = line.charAt(i);
                assertFalse(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT,
                    "character " + (int) c + " at " + i + " of: " + line);
            }
        }
        assertFalse((r.out() + r.err()).contains("\tat "), "stack trace: " + r.err());
    }

    private Path hostileModel(final String architecture, final String firstName) {
        return HostileModelFiles.withStrings(dir.resolve("hostile.obscura"), architecture, firstName);
    }

    private static CommandRun withProperty(final String key, final String value, final Supplier<CommandRun> run) {
        final String old = System.getProperty(key);
        System.setProperty(key, value);
        try {
            return run.get();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    @Test
    void shouldQuoteAnArchitectureWithTerminalEscapes() {
        final Path model = hostileModel(ESC + "[2J" + ESC + "[31mSequential(Evil)" + ESC + "[0m\nforged line",
            "0.conv2d.weight");
        final CommandRun r = CommandRun.of("mnist", "infer", "--limit", "1", "--model", model.toString());
        assertEquals(1, r.status());
        assertClean(r, 1);
        assertTrue(r.err().contains("file=\"\\u001b[2J\\u001b[31mSequential(Evil)\\u001b[0m\\nforged line\""),
            r.err());
    }

    @Test
    void shouldCapA64KiBArchitectureAndAHostileParameterName() {
        final CommandRun huge = CommandRun.of("mnist", "infer", "--limit", "1", "--model",
            hostileModel("A".repeat(ModelFileDescriptor.MAX_ARCHITECTURE_LENGTH), "0.conv2d.weight").toString());
        assertEquals(1, huge.status());
        assertClean(huge, 1);
        assertTrue(huge.err().length() < 600, huge.err().length() + " chars");
        assertTrue(huge.err().contains("(65536 chars)"), huge.err());

        final CommandRun name = CommandRun.of("mnist", "infer", "--limit", "1", "--model", hostileModel(
            ModelBinding.architecture(MnistCnn.create(new PlainEngine(), 1)), "\u202e" + (ESC + "]0;pwned\u0007")
                .repeat(100)).toString());
        assertEquals(1, name.status());
        assertClean(name, 1);
        assertTrue(name.err().contains("fileParameter=\"\\u202e\\u001b]0;pwned\\u0007"), name.err());
    }

    @Test
    void shouldQuoteHostileValuesFromTheCommandLineAndTheConfiguration() {
        final CommandRun backend = CommandRun.of("mnist", "infer", "--secure", "--backend", ESC + "[31mred");
        assertEquals(2, backend.status());
        assertClean(backend, 2);
        assertTrue(backend.err().contains("unknown backend '\\u001b[31mred'"), backend.err());

        final CommandRun option = CommandRun.of("mnist", "train", "--" + ESC + "[2Jx");
        assertEquals(2, option.status());
        assertTrue(option.err().contains("\\u001b[2Jx"), option.err());
        assertFalse(option.err().contains(ESC), option.err());

        final CommandRun model = CommandRun.of("mnist", "infer", "--model", dir.resolve("m" + ESC + "[8m\n.obscura")
            .toString());
        assertEquals(1, model.status());
        assertClean(model, 1);
        assertTrue(model.err().contains("m\\u001b[8m\\n.obscura"), model.err());

        final CommandRun data = CommandRun.of("mnist", "train", "--data", dir.resolve("d" + ESC + "[5m").toString(),
            "--model", dir.resolve("never.obscura").toString());
        assertEquals(1, data.status());
        assertClean(data, 1);
        assertTrue(data.err().contains("d\\u001b[5m"), data.err());

        final CommandRun property = withProperty("obscura.mnist.dir", dir.resolve("p" + ESC + "[7m").toString(),
            () -> CommandRun.of("mnist", "train", "--model", dir.resolve("never.obscura").toString()));
        assertEquals(1, property.status());
        assertClean(property, 1);
        assertTrue(property.err().contains("p\\u001b[7m\" (from system property obscura.mnist.dir)"), property.err());

        final Path modelFile = dir.resolve("model.obscura");
        ModelFile.save(MnistCnn.create(new PlainEngine(), 1), new PlainEngine(), modelFile);
        final Path mnist = SyntheticMnist.write(dir.resolve("mnist"), 1, 4);
        final CommandRun configured = withProperty("obscura.gemm", "x" + ESC + "[41m" + "x".repeat(5000),
            () -> CommandRun.of("mnist", "infer", "--model", modelFile.toString(), "--data", mnist.toString()));
        assertEquals(1, configured.status());
        assertClean(configured, 1);
        assertTrue(configured.err().contains("unknown GEMM \"x\\u001b[41mxxx"), configured.err());
        assertTrue(configured.err().contains("(5006 chars)"), configured.err());
    }

    @Test
    void shouldRefuseATwoGigabyteModelFileUnderASmallHeapInOneLine() {
        // The case: a 2 GB file under -Xmx256m ended in OutOfMemoryError and a stack trace. (A 2 GB file of
        // zeros, refused at its magic, and the streaming of the checksum are tested in-process by ModelFileTest.)
        final CommandRun valid = Forked.run(dir, List.of("-Xmx256m"), "mnist", "infer", "--model",
            HostileModelFiles.sparse(dir.resolve("declared.obscura"), TWO_GB, HostileModelFiles.header(TWO_GB))
                .toString(), "--data", dir.resolve("none").toString());
        assertEquals(1, valid.status(), valid.err());
        assertClean(valid, 1);
        assertTrue(valid.err().startsWith("obscura: model file is larger than this JVM's heap"), valid.err());
        assertTrue(valid.err().contains("fileLength=" + TWO_GB), valid.err());
    }

    @Test
    void shouldTurnAnOutOfMemoryErrorIntoOneLine() {
        // Plaintext training at batch 4096 needs a few hundred MB for the first convolution; the heap has 64.
        final Path data = SyntheticMnist.write(dir.resolve("mnist"), 4096, 8);
        final CommandRun r = Forked.run(dir, List.of("-Xmx64m"), "mnist", "train", "--batch", "4096", "--limit",
            "4096", "--test-limit", "8", "--data", data.toString(), "--model", dir.resolve("m.obscura").toString());
        assertEquals(1, r.status(), r.err());
        assertClean(r, 1);
        assertTrue(r.err().startsWith("obscura: out of memory (Java heap space, heap limit 64 MiB): give the JVM"
            + " more, for example OBSCURA_JAVA_OPTS=-Xmx"), r.err());
    }
}
