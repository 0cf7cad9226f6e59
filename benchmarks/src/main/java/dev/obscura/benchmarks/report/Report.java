package dev.obscura.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Turns a JMH JSON result file into a Markdown report and PNG charts: each ring benchmark beside its plaintext twin,
 * each secure operation beside its plaintext twin with its rounds, bytes and the CrypTen figure, and every
 * plaintext twin of a secure operation on its own.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.obscura.benchmarks.report.Report RESULTS.json OUT.md [COSTS.tsv]
 * </pre>
 *
 * Writes {@code OUT.md}, and beside it {@code OUT-ring.png} and {@code OUT-secure.png} when there are rows for
 * them. {@code COSTS.tsv} defaults to {@code secure-costs.tsv} next to the results file.
 */
public final class Report {
    private Report() {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: Report <jmh-results.json> <output.md> [<secure-costs.tsv>]");
            System.exit(2);
            return;
        }
        final Path results = Path.of(args[0]);
        final Path out = Path.of(args[1]);
        final Path costsFile = args.length == 3 ? Path.of(args[2])
            : results.resolveSibling("secure-costs.tsv");
        final List<ReportRow> rows = ReportRow.of(JmhResults.read(results));
        final Map<String, SecureCosts> costs = SecureCosts.read(costsFile);

        final List<ReportRow> ringRows = rows.stream()
            .filter(r -> !r.result().method().equals(ReportRow.SECURE_METHOD)
                && !r.result().method().equals(ReportRow.PLAINTEXT_METHOD))
            .toList();
        final String base = out.getFileName().toString().replaceFirst("\\.md$", "");
        final StringBuilder md = new StringBuilder();
        if (!ringRows.isEmpty()) {
            md.append("### Ring kernels\n\n").append(MarkdownTable.render(ringRows)).append('\n');
            if (Charts.write(ringRows, "Ring kernels vs plaintext twins", out.resolveSibling(base + "-ring.png"))) {
                md.append("![ring kernels](").append(base).append("-ring.png)\n\n");
            }
        }
        final String secure = SecureTable.render(rows, costs);
        if (!secure.isEmpty()) {
            md.append("### Secure operations, 2 parties in-process\n\n").append(secure).append('\n');
            final List<ReportRow> secureRows = rows.stream()
                .filter(r -> r.result().method().equals(ReportRow.SECURE_METHOD)).toList();
            if (Charts.write(secureRows, "Secure operations (2 parties) vs plaintext twins",
                out.resolveSibling(base + "-secure.png"))) {
                md.append("![secure operations](").append(base).append("-secure.png)\n");
            }
        }
        // Every plaintext twin, including those the secure table does not pick (a slower GEMM, or a run that
        // selected only plaintext benchmarks).
        final List<ReportRow> plainRows = rows.stream()
            .filter(r -> r.result().method().equals(ReportRow.PLAINTEXT_METHOD)).toList();
        if (!plainRows.isEmpty()) {
            md.append("\n### Plaintext twins of the secure benchmarks\n\n").append(MarkdownTable.render(plainRows))
                .append('\n');
        }
        if (md.isEmpty()) {
            md.append("No benchmark results in ").append(results).append(".\n");
        }
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
        System.out.print(md);
    }
}
