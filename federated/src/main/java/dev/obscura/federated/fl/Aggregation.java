package dev.obscura.federated.fl;

import java.util.List;

/**
 * How the server turns a round's local updates into one: the step of federated averaging that decides who sees
 * what. {@link WeightedAverage} fetches each update and averages them at the server (the server sees every
 * update); {@link TrustedAggregator} moves the updates worker to worker to an aggregator that averages them, so
 * the server sees only the average; {@link SecureAggregation} runs Bonawitz et al.'s protocol across the workers,
 * so the server learns only the sum; {@link DpFedAvg} clips each update at its worker and adds Gaussian noise to the
 * sum (plain or secure), with a privacy accountant. Each receives the updates while they are still at their
 * workers, as references.
 *
 * <p>An implementation releases every update it is given, and leaves out (in
 * {@link AggregatedUpdate#dropped()}) an update it cannot get, rather than fail the round.
 */
public interface Aggregation {

    /** A short name, for reports ({@code weighted-average}). */
    String name();

    /**
     * The weighted mean of {@code updates} ({@code n_k} = {@link LocalUpdate#samples()}), all of
     * {@code parameters} values.
     *
     * @throws IllegalStateException when no update could be aggregated
     */
    AggregatedUpdate aggregate(List<LocalUpdate> updates, int parameters);
}
