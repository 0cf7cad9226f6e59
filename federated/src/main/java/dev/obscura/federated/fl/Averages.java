package dev.obscura.federated.fl;

import java.util.List;
import java.util.Map;

/** The last step every aggregation shares: a weighted sum divided by its total weight. */
final class Averages {
    private Averages() {
    }

    static AggregatedUpdate of(final double[] weightedSum, final long samples, final List<String> workers,
                               final Map<String, String> dropped) {
        if (workers.isEmpty() || samples <= 0) {
            throw new IllegalStateException("no update could be aggregated, dropped=" + dropped.keySet());
        }
        final float[] mean = new float[weightedSum.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (float) (weightedSum[i] / samples);
        }
        return new AggregatedUpdate(mean, Math.toIntExact(samples), workers, dropped);
    }
}
