package dev.obscura.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the file JMH writes with {@code -rf json}: an array with one object per benchmark and parameter set. */
public final class JmhResults {
    private JmhResults() {
    }

    /** The results in {@code file}, in file order. */
    public static List<JmhResult> read(final Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** The results in a JMH JSON document. */
    public static List<JmhResult> parse(final String json) {
        final Object root = Json.parse(json);
        if (!(root instanceof List<?> entries)) {
            throw new IllegalArgumentException("a JMH result file is a JSON array");
        }
        final List<JmhResult> results = new ArrayList<>();
        for (final Object entry : entries) {
            results.add(toResult(asObject(entry, "result")));
        }
        return results;
    }

    private static JmhResult toResult(final Map<String, Object> entry) {
        final String benchmark = (String) entry.get("benchmark");
        final Map<String, String> params = new LinkedHashMap<>();
        final Object rawParams = entry.get("params");
        if (rawParams != null) {
            asObject(rawParams, "params").forEach((k, v) -> params.put(k, String.valueOf(v)));
        }
        final Map<String, Object> metric = asObject(entry.get("primaryMetric"), "primaryMetric");
        return new JmhResult(benchmark, String.valueOf(entry.get("mode")), params, number(metric.get("score")),
            number(metric.get("scoreError")), String.valueOf(metric.get("scoreUnit")));
    }

    /** JMH writes a non-finite number as a string, {@code "NaN"}. */
    private static double number(final Object value) {
        if (value instanceof Double d) {
            return d;
        }
        if (value instanceof String s) {
            return Double.parseDouble(s);
        }
        return Double.NaN;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(final Object value, final String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("expected a JSON object for " + what);
        }
        return (Map<String, Object>) value;
    }
}
