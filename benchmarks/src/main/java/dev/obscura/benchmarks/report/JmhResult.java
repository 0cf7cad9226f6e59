package dev.obscura.benchmarks.report;

import java.util.Map;
import java.util.TreeMap;

/**
 * One JMH result: a benchmark method at one parameter combination, with its primary score.
 *
 * @param benchmark full name, {@code dev.obscura.benchmarks.MatmulBenchmark.ringMatmul}
 * @param mode      JMH mode, {@code avgt} for every Obscura benchmark
 * @param params    the parameters, sorted by name
 * @param score     the primary score
 * @param error     the 99.9% half-interval JMH prints after "±" ({@code NaN} when there were too few iterations)
 * @param unit      the score unit, for example {@code ms/op}
 */
public record JmhResult(String benchmark, String mode, Map<String, String> params, double score, double error,
                        String unit) {

    public JmhResult {
        params = java.util.Collections.unmodifiableMap(new TreeMap<>(params));
    }

    /** The class's simple name, {@code MatmulBenchmark}. */
    public String className() {
        final String owner = benchmark.substring(0, benchmark.lastIndexOf('.'));
        return owner.substring(owner.lastIndexOf('.') + 1);
    }

    /** The method name, {@code ringMatmul}. */
    public String method() {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** {@code MatmulBenchmark.ringMatmul}. */
    public String shortName() {
        return className() + "." + method();
    }

    /** The parameters as {@code k=v, k=v}. */
    public String paramsText() {
        final StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }

    /** An integer parameter. */
    public long longParam(final String name) {
        final String value = params.get(name);
        if (value == null) {
            throw new IllegalArgumentException("benchmark has no parameter " + name + ", benchmark=" + benchmark);
        }
        return Long.parseLong(value);
    }

    /**
     * Seconds per operation, for an average-time score ({@code s/op}, {@code ms/op}, {@code us/op}, {@code ns/op}).
     *
     * @throws IllegalStateException for a throughput or other unit
     */
    public double secondsPerOp() {
        return score * secondsPer(unit);
    }

    static double secondsPer(final String unit) {
        return switch (unit) {
            case "s/op" -> 1.0;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> throw new IllegalStateException("not a time-per-operation unit, unit=" + unit);
        };
    }
}
