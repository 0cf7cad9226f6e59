package dev.obscura.benchmarks.report;

import java.util.Locale;
import java.util.Optional;

/**
 * A rate derived from a time per operation and the work floor of the benchmark: GB/s (10^9 bytes per second) for
 * memory- and PRG-bound benchmarks, G mul-add/s for matrix products.
 *
 * <p>The work per operation is what the benchmark's Javadoc names as its floor; it is keyed here by
 * {@code Class.method} and read from the {@code size} parameter, so a new benchmark adds one case.
 *
 * @param value the rate
 * @param unit  {@code GB/s} or {@code Gmuladd/s}
 */
public record Throughput(double value, String unit) {
    /** Unit of memory and keystream rates. */
    public static final String GIGABYTES_PER_SECOND = "GB/s";
    /** Unit of matrix-product rates. */
    public static final String GIGA_MULADDS_PER_SECOND = "Gmuladd/s";

    /** The rate of {@code result}, or empty when its benchmark has no known floor. */
    public static Optional<Throughput> of(final JmhResult result) {
        final double perOp = switch (result.shortName()) {
            case "ElementwiseBenchmark.ringAdd", "ElementwiseBenchmark.ringMul" -> 3.0 * 8 * result.longParam("size");
            case "ElementwiseBenchmark.plainAdd", "ElementwiseBenchmark.plainMul" ->
                3.0 * 4 * result.longParam("size");
            case "CopyBenchmark.ringCopy", "CopyBenchmark.plainCopy" -> 2.0 * 8 * result.longParam("size");
            case "PrgBenchmark.prgFill" -> 8.0 * result.longParam("size");
            case "MatmulBenchmark.ringMatmul", "MatmulBenchmark.plainMatmul" -> Math.pow(result.longParam("size"), 3);
            default -> Double.NaN;
        };
        if (Double.isNaN(perOp)) {
            return Optional.empty();
        }
        final String unit = result.className().equals("MatmulBenchmark")
            ? GIGA_MULADDS_PER_SECOND : GIGABYTES_PER_SECOND;
        return Optional.of(new Throughput(perOp / result.secondsPerOp() / 1e9, unit));
    }

    /** {@code 12.3 GB/s}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.2f %s", value, unit);
    }
}
