package dev.obscura.protocols.dealer;

import dev.obscura.mpc.Preprocessing;
import java.util.List;

/**
 * The additive suite's {@link Preprocessing.Plan}: the correlations a computation asked for, in order, as a
 * {@link DealerClient} recorded them. {@link PreprocessingPlan#of} turns it into the public description a dealer
 * makes preprocessing files from. Immutable.
 */
public final class CorrelationPlan implements Preprocessing.Plan {
    private final List<Correlation<?>> requests;

    /** The plan of {@code requests}, in the order the computation takes them. */
    public CorrelationPlan(final List<Correlation<?>> requests) {
        this.requests = List.copyOf(requests);
    }

    /** The requests, in order. */
    public List<Correlation<?>> requests() {
        return requests;
    }

    @Override
    public int size() {
        return requests.size();
    }

    @Override
    public String toString() {
        return "CorrelationPlan[requests=" + requests.size() + "]";
    }
}
