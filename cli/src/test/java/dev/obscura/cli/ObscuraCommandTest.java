package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ObscuraCommandTest {

    private static CommandRun run(final String... args) {
        return CommandRun.of(args);
    }

    @Test
    void shouldMultiplySharedMatricesIdenticallyOnEveryBackend() {
        final CommandRun r = run("demo", "--size", "7,33,5", "--repeat", "1");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("identical"), r.out());
        assertFalse(r.out().contains("DIFFER"), r.out());
        assertTrue(r.out().contains("Every backend is within it"), r.out());
    }

    @Test
    void shouldRejectBadSizesWithAMessageAndNoStackTrace() {
        final CommandRun r = run("demo", "--size", "7,0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--size needs three sizes"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldRejectUnknownBackendAsBadUsageNamingTheKnownOnes() {
        final CommandRun r = run("demo", "--backend", "quantum", "--size", "2,2,2");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("obscura: --backend: unknown backend 'quantum'; known backends: "), r.err());
        assertTrue(r.err().contains("java"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldListBackendsWithTheDefault() {
        final CommandRun r = run("backends");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("java"), r.out());
        assertTrue(r.out().contains("default: "), r.out());
        assertTrue(r.out().matches("(?s).*plain GEMM.*\\njava +100 +available.*"), r.out());
    }

    @Test
    void shouldExplainHowToBuildTheBenchmarksJarWhenItIsMissing() {
        final CommandRun r = run("bench", "--jar", "/nonexistent/benchmarks.jar", "--out", "target/bench-test");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("benchmarks jar not found at /nonexistent/benchmarks.jar"), r.err());
        assertTrue(r.err().contains("mvn -q install -DskipTests"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldReportAnUnknownOptionInTwoLinesWithoutTheUsage() {
        final CommandRun r = run("--no-such-option");
        assertEquals(2, r.status());
        assertEquals(List.of("obscura: Unknown option: '--no-such-option'", "Try 'obscura --help' for usage."),
            r.err().lines().toList(), r.err());
        assertEquals("", r.out());
    }

    @Test
    void shouldNameTheSubcommandPathAndSuggestTheNearestName() {
        final CommandRun option = run("mnist", "train", "--epoch", "2");
        assertEquals(2, option.status());
        final List<String> lines = option.err().lines().toList();
        assertTrue(lines.get(0).startsWith("obscura: Unknown option"), option.err());
        assertTrue(option.err().contains("--epochs"), "suggests the real option: " + option.err());
        assertEquals("Try 'obscura mnist train --help' for usage.", lines.get(lines.size() - 1), option.err());
        assertTrue(lines.size() <= 3, option.err());
        assertFalse(option.err().contains("Usage:"), option.err());

        final CommandRun command = run("mnist", "trian");
        assertEquals(2, command.status());
        assertTrue(command.err().contains("mnist train"), command.err());
        assertTrue(command.err().endsWith("Try 'obscura mnist --help' for usage." + System.lineSeparator()),
            command.err());
    }

    @Test
    void shouldShowNestedHelpPagesThroughTheHelpCommand() {
        final CommandRun nested = run("help", "mnist", "train");
        assertEquals(0, nested.status(), nested.err());
        assertEquals(run("mnist", "train", "--help").out(), nested.out());
        assertTrue(nested.out().startsWith("Usage: obscura mnist train"), nested.out());
        assertEquals(run("--help").out(), run("help").out());
        assertEquals(run("mnist", "--help").out(), run("help", "mnist").out());

        final CommandRun unknown = run("help", "mnist", "nosuch");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().startsWith("obscura: unknown command 'mnist nosuch'; the commands of 'obscura mnist'"
            + " are: train, infer"), unknown.err());
    }

    @Test
    void shouldShowWhereToStartInTheTopLevelHelp() {
        final CommandRun r = run("--help");
        assertEquals(0, r.status(), r.err());
        final int start = r.out().indexOf("Start here:");
        assertTrue(start >= 0, r.out());
        final int train = r.out().indexOf("./obscura mnist train --epochs 1", start);
        assertTrue(train > start, r.out());
        assertTrue(r.out().indexOf("./obscura mnist infer --secure", train) > train, r.out());
    }

    /** Every command's page, by its path below {@code obscura}. */
    private static final List<List<String>> PAGES = List.of(List.of(), List.of("demo"), List.of("backends"),
        List.of("mnist"), List.of("mnist", "train"), List.of("mnist", "infer"), List.of("bench"), List.of("help"),
        List.of("party"), List.of("dealer"), List.of("certs"));

    private static String usage(final List<String> page, final int width) {
        CommandLine cmd = ObscuraCommand.commandLine();
        cmd.setUsageHelpAutoWidth(false);
        cmd.setUsageHelpWidth(width);
        for (final String name : page) {
            cmd = cmd.getSubcommands().get(name);
        }
        return cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    @Test
    void shouldListEveryCommandWithACompleteFirstSentence() {
        final CommandLine top = ObscuraCommand.commandLine();
        for (final Map.Entry<String, CommandLine> e : top.getSubcommands().entrySet()) {
            final String first = e.getValue().getCommandSpec().usageMessage().description()[0];
            assertTrue(first.endsWith("."), e.getKey() + ": " + first);
            // The command list at 80 columns leaves 68 for the sentence (and 71 in `obscura mnist`'s list).
            assertTrue(first.length() <= 68, e.getKey() + " wraps in the command list: " + first);
        }
        for (final Map.Entry<String, CommandLine> e : top.getSubcommands().get("mnist").getSubcommands().entrySet()) {
            final String first = e.getValue().getCommandSpec().usageMessage().description()[0];
            assertTrue(first.endsWith(".") && first.length() <= 71, e.getKey() + ": " + first);
        }
    }

    @Test
    void shouldNeverSplitAFlagPathOrFileNameWhenWrappingTheHelp() {
        // picocli wraps where java.text.BreakIterator allows: after '.', '-' and '/' too, which would cut
        // -Dobscura.mnist.dir or mnist-cnn.obscura in two. Every such token of the unwrapped page must be whole.
        for (final List<String> page : PAGES) {
            final List<String> tokens = Arrays.stream(usage(page, 1000).split("\\s+"))
                .filter(t -> t.matches(".*\\w[./=,-]\\w.*") || t.startsWith("-"))
                .filter(t -> !t.matches("[A-Za-z]+(-[A-Za-z]+)+[.,;:)]*"))
                .toList();
            for (int width = 80; width <= 160; width++) {
                final String wrapped = usage(page, width);
                for (final String token : tokens) {
                    assertTrue(wrapped.contains(token), "obscura " + String.join(" ", page) + " at width " + width
                        + " splits " + token + ":\n" + wrapped);
                }
            }
        }
    }

    @Test
    void shouldAcceptJmhOptionsAfterTheDoubleDash() {
        final BenchCommand bench = new BenchCommand();
        new CommandLine(bench).parseArgs("Matmul", "--", "-wi", "1", "-i", "3");
        assertEquals(List.of("java", "-jar", "b.jar", "Matmul", "-wi", "1", "-i", "3", "-rf", "json", "-rff",
            Path.of("bench-results", "results.json").toString()), bench.jmhCommand("java", Path.of("b.jar")));
        final CommandRun r = run("bench", "--jar", "/nonexistent/benchmarks.jar", "--", "-f", "1");
        assertEquals(1, r.status(), "the options after -- are accepted; the missing jar fails: " + r.err());
        assertTrue(r.err().contains("benchmarks jar not found"), r.err());
    }

    @Test
    void shouldReportTheSystemReasonOfAFileFailure() {
        final String file = "/nonexistent/dir/m.obscura";
        assertEquals("cannot write model file, file=" + file + ": no such file or directory: " + file + ".1.tmp",
            ObscuraCommand.describe(new UncheckedIOException("cannot write model file, file=" + file,
                new NoSuchFileException(file + ".1.tmp"))));
        assertEquals("cannot read model file, file=m: permission denied: m", ObscuraCommand.describe(
            new UncheckedIOException("cannot read model file, file=m", new AccessDeniedException("m"))));
        assertEquals("Read-only file system: m", ObscuraCommand.describe(new UncheckedIOException(
            new FileSystemException("m", null, "Read-only file system"))));
        assertEquals("plain message", ObscuraCommand.describe(new IllegalStateException("plain message",
            new NoSuchFileException("x"))), "only an I/O failure's cause is added");
    }

    @Test
    void shouldFindTheCheckoutFromTheJarOrClassesLocation() {
        final Path root = Path.of("/work/checkout");
        assertEquals(Optional.of(root), ObscuraCommand.checkoutRoot(root.resolve("cli/target/obscura.jar")));
        assertEquals(Optional.of(root), ObscuraCommand.checkoutRoot(root.resolve("cli/target-cli/obscura.jar")));
        assertEquals(Optional.of(root), ObscuraCommand.checkoutRoot(root.resolve("cli/target/classes")));
        assertEquals(Optional.empty(), ObscuraCommand.checkoutRoot(Path.of("/usr/lib/obscura/obscura.jar")));
        assertEquals(Optional.empty(), ObscuraCommand.checkoutRoot(Path.of("/obscura.jar")));
    }
}
