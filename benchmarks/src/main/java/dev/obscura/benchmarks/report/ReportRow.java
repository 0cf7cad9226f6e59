package dev.obscura.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One result with what the report derives from it: its rate, and for a ring benchmark its plaintext twin from the
 * same run.
 *
 * <p>Twins follow a naming convention: in one benchmark class, {@code ringX} is the twin of {@code plainX}; and a
 * {@code secure} benchmark's twin is the {@code plaintext} benchmark of any class. Two results match when their
 * parameters agree on every name they share ({@code backend} and {@code phase} exist on one side only). Where several
 * plaintext results match (one per GEMM, say), the fastest is the twin: secure code is measured against the best
 * plaintext.
 * A chart can be drawn from these rows as well as a table.
 *
 * @param result     the measured result
 * @param throughput its rate, when the benchmark declares a floor
 * @param twin       the plaintext twin, for a {@code ring*} benchmark that has one
 */
public record ReportRow(JmhResult result, Optional<Throughput> throughput, Optional<JmhResult> twin) {
    /** Prefix of secure or ring benchmark methods. */
    public static final String RING_PREFIX = "ring";
    /** Prefix of their plaintext twins. */
    public static final String PLAIN_PREFIX = "plain";
    /** Method name of a secure-operation benchmark. */
    public static final String SECURE_METHOD = "secure";
    /** Method name of the plaintext twin of a secure-operation benchmark, in its own class. */
    public static final String PLAINTEXT_METHOD = "plaintext";

    /** The rows for {@code results}, in the same order. */
    public static List<ReportRow> of(final List<JmhResult> results) {
        final List<ReportRow> rows = new ArrayList<>();
        for (final JmhResult r : results) {
            rows.add(new ReportRow(r, Throughput.of(r), twinOf(r, results)));
        }
        return rows;
    }

    /** Time of this result over time of its twin: how many times slower than plaintext (below 1 is faster). */
    public Optional<Double> ratio() {
        return twin.map(t -> result.secondsPerOp() / t.secondsPerOp());
    }

    static Optional<JmhResult> twinOf(final JmhResult ring, final List<JmhResult> results) {
        if (ring.method().equals(SECURE_METHOD)) {
            return results.stream()
                .filter(c -> c.method().equals(PLAINTEXT_METHOD) && sharedParamsAgree(ring.params(), c.params()))
                .min(java.util.Comparator.comparingDouble(JmhResult::secondsPerOp));
        }
        if (!ring.method().startsWith(RING_PREFIX)) {
            return Optional.empty();
        }
        final String twinMethod = PLAIN_PREFIX + ring.method().substring(RING_PREFIX.length());
        for (final JmhResult candidate : results) {
            if (candidate.className().equals(ring.className()) && candidate.method().equals(twinMethod)
                && sharedParamsAgree(ring.params(), candidate.params())) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean sharedParamsAgree(final Map<String, String> a, final Map<String, String> b) {
        final Map<String, String> shared = new TreeMap<>(a);
        shared.keySet().retainAll(b.keySet());
        for (final Map.Entry<String, String> e : shared.entrySet()) {
            if (!e.getValue().equals(b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
