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
    description = {"Run the JMH benchmarks (ring kernels, secure operations and MnistCnn, each beside its",
        "plaintext twin) and write the report: OUT/results.json, results.md and results-*.png.",
        "A full run takes about 15 minutes on 2 cores; pass a filter such as 'SecureOps' for part of it.",
        "Arguments after -- go to JMH, e.g. obscura bench Matmul -- -wi 1 -i 3"})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILTER",
        description = "Regular expression selecting benchmarks (default: all).")
    private String filter;

    @Parameters(index = "1..*", paramLabel = "JMH-ARGS", description = "Further JMH options (after --).")
    private List<String> jmhArgs = new ArrayList<>();

    @Option(names = "--jar", paramLabel = "FILE",
        description = "The benchmarks jar (default: benchmarks/target/benchmarks.jar of this checkout).")
    private Path jar;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results",
        description = "Where the results and the report go (default: ${DEFAULT-VALUE}).")
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
        final List<String> jmh = new ArrayList<>(List.of(java, "-jar", benchmarks.toString()));
        if (filter != null) {
            jmh.add(filter);
        }
        jmh.addAll(jmhArgs);
        jmh.addAll(List.of("-rf", "json", "-rff", out.resolve("results.json").toString()));
        run(jmh, "the JMH run");
        run(List.of(java, "-cp", benchmarks.toString(), "dev.obscura.benchmarks.report.Report",
            out.resolve("results.json").toString(), out.resolve("results.md").toString()), "the report");
        err.println("report written to " + out.resolve("results.md"));
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
        final java.security.CodeSource source = BenchCommand.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            return fallback;
        }
        try {
            // cli/target/obscura.jar (or cli/target/classes): three levels up is the checkout root.
            Path root = Path.of(source.getLocation().toURI());
            for (int i = 0; i < 3 && root != null; i++) {
                root = root.getParent();
            }
            return root == null ? fallback : root.resolve(fallback);
        } catch (java.net.URISyntaxException e) {
            return fallback;
        }
    }
}
