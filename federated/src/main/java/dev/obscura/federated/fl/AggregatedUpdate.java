package dev.obscura.federated.fl;

import dev.obscura.privacy.PrivacySpent;
import java.util.List;

/**
 * What an {@link Aggregation} made of a round's updates.
 *
 * @param mean    the weighted mean update, {@code sum_k n_k Δ_k / sum_k n_k}, one value per model parameter
 * @param samples {@code sum_k n_k} over the updates in it
 * @param workers the workers whose updates are in it
 * @param dropped the workers whose updates could not be aggregated, with why
 * @param privacy the privacy spent so far by a differentially private aggregation ({@link DpFedAvg}), after this
 *                update; {@code null} for one that is not
 */
public record AggregatedUpdate(float[] mean, int samples, List<String> workers, java.util.Map<String, String> dropped,
                               PrivacySpent privacy) {
    /** Copies the lists. */
    public AggregatedUpdate {
        workers = List.copyOf(workers);
        dropped = java.util.Map.copyOf(dropped);
    }

    /** An update of an aggregation without differential privacy. */
    public AggregatedUpdate(final float[] mean, final int samples, final List<String> workers,
                            final java.util.Map<String, String> dropped) {
        this(mean, samples, workers, dropped, null);
    }
}
