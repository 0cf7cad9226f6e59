package dev.obscura.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A small text table with aligned columns, for the summaries the commands print at the end. */
final class Tables {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    Tables(final String... header) {
        this.header = header.clone();
    }

    /** Adds a row of as many cells as the header. */
    Tables row(final String... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row needs " + header.length + " cells, cells=" + cells.length);
        }
        rows.add(cells.clone());
        return this;
    }

    /** Prints the table: the first column left-aligned, the others right-aligned. */
    void print(final PrintWriter out) {
        final int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
            for (final String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        printRow(out, header, width);
        final StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        out.println(rule);
        for (final String[] r : rows) {
            printRow(out, r, width);
        }
        out.flush();
    }

    private static void printRow(final PrintWriter out, final String[] cells, final int[] width) {
        final StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append("  ");
            }
            final String pad = " ".repeat(width[c] - cells[c].length());
            sb.append(c == 0 ? cells[c] + pad : pad + cells[c]);
        }
        out.println(sb.toString().stripTrailing());
    }

    /** {@code seconds} as {@code 12.3s}, {@code 4m05s} or {@code 1h02m}. */
    static String duration(final double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        if (seconds < 60) {
            return String.format("%.1fs", seconds);
        }
        final long s = Math.round(seconds);
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** {@code correct / total} as a percentage with two decimals. */
    static String percent(final long correct, final long total) {
        return total == 0 ? "-" : String.format("%.2f%%", 100.0 * correct / total);
    }
}
