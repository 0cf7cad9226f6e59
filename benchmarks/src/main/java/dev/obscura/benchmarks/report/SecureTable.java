package dev.obscura.benchmarks.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Renders the secure-operation rows as a Markdown table: time per phase, the plaintext twin and the ratio to it,
 * rounds and bytes, and the speed-up over CrypTen 0.4 where the issue quotes a CrypTen figure.
 */
public final class SecureTable {
    private SecureTable() {
    }

    /** The table for the {@code secure} rows of {@code rows}, or an empty string when there are none. */
    public static String render(final List<ReportRow> rows, final Map<String, SecureCosts> costs) {
        final StringBuilder sb = new StringBuilder();
        for (final ReportRow row : rows) {
            final JmhResult r = row.result();
            if (!r.method().equals(ReportRow.SECURE_METHOD)) {
                continue;
            }
            if (sb.length() == 0) {
                sb.append("| workload | phase | secure ms | plaintext ms | secure / plaintext | rounds"
                    + " | MB sent per party | B per element | dealer MB | CrypTen ms | speed-up vs CrypTen |\n");
                sb.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            }
            final String workload = r.params().getOrDefault("workload", "?");
            final double ms = r.secondsPerOp() * 1e3;
            final Optional<SecureCosts> c = Optional.ofNullable(costs.get(workload));
            final Optional<Double> crypten = SecureCosts.cryptenMillis(workload);
            sb.append("| ").append(workload)
                .append(" | ").append(r.params().getOrDefault("phase", ""))
                .append(" | ").append(MarkdownTable.scoreText(ms, r.error() * ms / r.score()))
                .append(" | ").append(row.twin().map(t -> fmt(t.secondsPerOp() * 1e3)).orElse(""))
                .append(" | ").append(row.ratio().map(MarkdownTable::ratioText).orElse(""))
                .append(" | ").append(c.map(x -> Long.toString(x.rounds())).orElse(""))
                .append(" | ").append(c.map(x -> fmt(Math.max(x.bytesFirst(), x.bytesLast()) / 1e6)).orElse(""))
                .append(" | ").append(c.map(x -> fmt(x.bytesPerElement())).orElse(""))
                .append(" | ").append(c.map(x -> fmt(x.dealerBytes() / 1e6)).orElse(""))
                .append(" | ").append(crypten.map(SecureTable::fmt).orElse(""))
                .append(" | ").append(crypten.map(x -> MarkdownTable.ratioText(x / ms)).orElse(""))
                .append(" |\n");
        }
        return sb.toString();
    }

    private static String fmt(final double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.1f" : v >= 10 ? "%.2f" : "%.3f", v);
    }
}
