package dev.obscura.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the JMH suite (the shaded {@code benchmarks.jar} that the normal build produces) in its own JVM, then turns the
 * results into the report: Markdown tables with the ratio of every operation to its plaintext twin, rounds and bytes
 * of the secure ones, and PNG charts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Run the JMH benchmarks and write the report.",
        "",
        "Benchmarks the ring kernels, the secure operations and MnistCnn, each beside its plaintext twin, in a JVM of"
            + " their own, then writes the report to the --out directory: results.json, results.md and PNG charts."
            + " A full run takes about 15 minutes on 2 cores; pass a FILTER such as SecureOps for part of it.",
        "",
        "JMH options go after --, which ends the options of bench:",
        "  obscura bench Matmul -- -wi 1 -i 3",
        "  obscura bench -- -f 1",
        ""})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILTER",
        description = "Regular expression selecting benchmarks (default: all).")
    private String filter;

    @Parameters(index = "1..*", paramLabel = "-- JMH-OPTION",
        description = {"Options for JMH, after --.", "To list them: java -jar benchmarks.jar -h"})
    private List<String> jmhArgs = new ArrayList<>();

    @Option(names = "--jar", paramLabel = "FILE",
        description = {"The benchmarks jar.", "Default: benchmarks/target/benchmarks.jar", "of this checkout."})
    private Path jar;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results",
        description = {"Where the results and the report go.", "Default: ${DEFAULT-VALUE}."})
    private Path out;

    @Override
    public void run() {
        final PrintWriter err = spec.commandLine().getErr();
        final Path benchmarks = jar != null ? jar : defaultJar();
        if (!Files.isRegularFile(benchmarks)) {
            throw new IllegalStateException("benchmarks jar not found at " + benchmarks
                + ": build it with mvn -q install -DskipTests, or pass --jar FILE");
        }
        try {
            Files.createDirectories(out);
            Files.deleteIfExists(out.resolve("secure-costs.tsv"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the output directory " + out + ": " + e.getMessage(), e);
        }
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        run(jmhCommand(java, benchmarks), "the JMH run");
        run(List.of(java, "-cp", benchmarks.toString(), "dev.obscura.benchmarks.report.Report",
            out.resolve("results.json").toString(), out.resolve("results.md").toString()), "the report");
        err.println("report written to " + out.resolve("results.md"));
    }

    /**
     * The JMH command line: the filter, the JMH options and the result file. After {@code --} picocli fills the
     * positional parameters in order, so {@code bench -- -f 1} puts {@code -f} in FILTER; that is harmless, as the
     * arguments reach JMH in the order given and JMH tells its options from its filters itself.
     */
    List<String> jmhCommand(final String java, final Path benchmarks) {
        final List<String> jmh = new ArrayList<>(List.of(java, "-jar", benchmarks.toString()));
        if (filter != null) {
            jmh.add(filter);
        }
        jmh.addAll(jmhArgs);
        jmh.addAll(List.of("-rf", "json", "-rff", out.resolve("results.json").toString()));
        return jmh;
    }

    /** Runs {@code command} in this command's working directory, sharing its console; fails on a non-zero exit. */
    private void run(final List<String> command, final String what) {
        try {
            final Process p = new ProcessBuilder(command).inheritIO().start();
            final int status = p.waitFor();
            if (status != 0) {
                throw new IllegalStateException(what + " failed with exit status " + status);
            }
        } catch (IOException e) {
            throw new IllegalStateException(what + " could not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " was interrupted", e);
        }
    }

    /** benchmarks/target/benchmarks.jar of the checkout whose cli/target holds this command's jar or classes. */
    private static Path defaultJar() {
        final Path fallback = Path.of("benchmarks", "target", "benchmarks.jar");
        return ObscuraCommand.checkoutRoot().map(root -> root.resolve(fallback)).orElse(fallback);
    }
}
