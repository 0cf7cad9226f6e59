package dev.obscura.benchmarks.report;

import java.util.List;
import java.util.Locale;

/**
 * Renders report rows as a GitHub Markdown table: benchmark, parameters, score ± error, unit, derived rate, and
 * the ratio to the plaintext twin measured in the same run.
 */
public final class MarkdownTable {
    private MarkdownTable() {
    }

    /** The table, header included, one line per row, ending in a newline. */
    public static String render(final List<ReportRow> rows) {
        final StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | params | score ± error | unit | rate | ring / plaintext twin |\n");
        sb.append("| --- | --- | ---: | --- | ---: | ---: |\n");
        for (final ReportRow row : rows) {
            final JmhResult r = row.result();
            sb.append("| ").append(r.shortName())
                .append(" | ").append(r.paramsText())
                .append(" | ").append(scoreText(r.score(), r.error()))
                .append(" | ").append(r.unit())
                .append(" | ").append(row.throughput().map(Throughput::toString).orElse(""))
                .append(" | ").append(row.ratio().map(MarkdownTable::ratioText).orElse(""))
                .append(" |\n");
        }
        return sb.toString();
    }

    /** {@code 12.35 ± 0.21}, with as many decimals as the score's magnitude warrants. */
    static String scoreText(final double score, final double error) {
        final int decimals = decimals(score);
        final String s = String.format(Locale.ROOT, "%." + decimals + "f", score);
        if (Double.isNaN(error)) {
            return s;
        }
        return s + " ± " + String.format(Locale.ROOT, "%." + decimals + "f", error);
    }

    static String ratioText(final double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static int decimals(final double value) {
        final double magnitude = Math.abs(value);
        if (magnitude >= 100) {
            return 1;
        }
        if (magnitude >= 10) {
            return 2;
        }
        return 3;
    }
}
