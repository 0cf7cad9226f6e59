package dev.obscura.benchmarks.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG bar charts of the report rows (XChart): each benchmark's time beside its plaintext twin's, on a logarithmic
 * axis so that microseconds and seconds share one picture.
 */
public final class Charts {
    private Charts() {
    }

    /** Writes a chart of every row that has a twin to {@code png}; returns false (writes nothing) if none has. */
    public static boolean write(final List<ReportRow> rows, final String title, final Path png) throws IOException {
        final Map<String, double[]> bars = new LinkedHashMap<>();
        for (final ReportRow row : rows) {
            if (row.twin().isEmpty()) {
                continue;
            }
            final JmhResult r = row.result();
            bars.put(label(r), new double[] {r.secondsPerOp() * 1e3, row.twin().get().secondsPerOp() * 1e3});
        }
        if (bars.isEmpty()) {
            return false;
        }
        final CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 110 * bars.size())).height(560)
            .title(title).xAxisTitle("").yAxisTitle("milliseconds per operation (log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        // XChart's bars start at the axis minimum, which a log axis needs set explicitly: the decade strictly below the least value.
        double least = Double.MAX_VALUE;
        for (final double[] v : bars.values()) {
            least = Math.min(least, Math.min(v[0], v[1]));
        }
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(least * 0.9))));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLabelRotation(35);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        final List<String> labels = new ArrayList<>(bars.keySet());
        final List<Double> subject = new ArrayList<>();
        final List<Double> twin = new ArrayList<>();
        for (final double[] v : bars.values()) {
            subject.add(v[0]);
            twin.add(v[1]);
        }
        chart.addSeries("Obscura (ring / secure)", labels, subject);
        chart.addSeries("plaintext twin", labels, twin);
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return true;
    }

    private static String label(final JmhResult r) {
        final StringBuilder sb = new StringBuilder(r.shortName().replace("Benchmark", ""));
        r.params().forEach((k, v) -> sb.append(' ').append(v));
        return sb.toString();
    }
}
