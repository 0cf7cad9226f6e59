package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The combiner of secure aggregation by additive sharing (the FL server, or whoever may learn the total): fixes the
 * contributor set as the clients every aggregator holds, and adds the aggregators' sums:
 * <pre>{@code
 * AdditiveCombiner combiner = new AdditiveCombiner(setup, backend);
 * combiner.receive(j, report) ...;                     // one ContributorReport per aggregator
 * ContributorSet s = combiner.finishReports();         // S = intersection of the reports, to every aggregator
 * combiner.receive(j, sum) ...;                        // one AggregatorSum per aggregator
 * AggregationResult z = combiner.finishSums();         // z = sum_j z_j = sum_{u in S} x_u
 * }</pre>
 * Every aggregator must answer: additive sharing has no threshold, and a missing aggregator fails the round with
 * {@link Reason#TOO_FEW_AGGREGATORS}. Clients that dropped are simply not in S; fewer than {@code minClients} in S
 * fails with {@link Reason#TOO_FEW_CLIENTS}. A refused message or a failed step changes nothing. Synchronized.
 */
public final class AdditiveCombiner {
    private enum Phase { REPORTS, SUMS, FINISHED }

    private final AdditiveRoundSetup setup;
    private final Backend backend;
    private final SortedMap<Integer, ContributorReport> reports = new TreeMap<>();
    private final SortedMap<Integer, AggregatorSum> sums = new TreeMap<>();
    private final int[] aggregators;
    private int[] contributors = new int[0];
    private Phase phase = Phase.REPORTS;

    public AdditiveCombiner(final AdditiveRoundSetup setup, final Backend backend) {
        this.setup = setup;
        this.backend = backend;
        this.aggregators = new int[setup.aggregators()];
        Arrays.setAll(aggregators, j -> j);
    }

    /**
     * Takes aggregator {@code authenticatedAggregator}'s {@link ContributorReport} or {@link AggregatorSum}.
     *
     * @throws SecAggException when refused: another round, a sender other than the peer, the wrong phase, an
     *     unknown or repeated aggregator, or a sum over another contributor set or of the wrong length
     */
    public synchronized void receive(final int authenticatedAggregator, final SecAggMessage message) {
        Checks.roundAndSender(setup.roundId(), authenticatedAggregator, message);
        if (message instanceof ContributorReport m) {
            Checks.stage(phase, Phase.REPORTS, m, setup.roundId());
            Checks.expectedOnce(aggregators, reports.containsKey(m.aggregator()), m, setup.roundId());
            reports.put(m.aggregator(), m);
        } else if (message instanceof AggregatorSum m) {
            Checks.stage(phase, Phase.SUMS, m, setup.roundId());
            Checks.expectedOnce(aggregators, sums.containsKey(m.aggregator()), m, setup.roundId());
            if (!Arrays.equals(m.contributorsView(), contributors) || m.sumView().length != setup.vectorLength()) {
                throw new SecAggException(Reason.INCONSISTENT, "aggregator sum over another contributor set or of "
                    + "the wrong length, aggregator=" + m.aggregator() + ", contributors="
                    + Ids.format(m.contributorsView()) + ", expected=" + Ids.format(contributors) + ", length="
                    + m.sumView().length + ", round=" + RoundIds.format(setup.roundId()));
            }
            sums.put(m.aggregator(), m);
        } else {
            throw new SecAggException(Reason.WRONG_STAGE, "not a message a combiner takes, type=" + message.type()
                + ", round=" + RoundIds.format(setup.roundId()));
        }
    }

    /** Ends the reports: S is the clients in every report, at least {@code minClients} of them. */
    public synchronized ContributorSet finishReports() {
        requirePhase(Phase.REPORTS);
        requireAllAggregators(reports.size());
        int[] common = setup.clients();
        for (final ContributorReport r : reports.values()) {
            final int[] held = r.contributors();
            common = Arrays.stream(common).filter(c -> Ids.contains(held, c)).toArray();
        }
        if (common.length < setup.minClients()) {
            throw SecAggException.tooFewClients("CONTRIBUTOR_REPORTS", common.length, setup.minClients(),
                setup.roundId());
        }
        contributors = common;
        phase = Phase.SUMS;
        return new ContributorSet(setup.roundId(), contributors);
    }

    /** Ends the round: {@code z = sum_j z_j}, the sum of the contributors' updates. */
    public synchronized AggregationResult finishSums() {
        requirePhase(Phase.SUMS);
        requireAllAggregators(sums.size());
        final RingTensor total = RingTensor.zeros(setup.vectorLength());
        try (RingTensor scratch = RingTensor.zeros(setup.vectorLength())) {
            for (final AggregatorSum s : sums.values()) {
                scratch.copyFrom(s.sumView());
                backend.add(total, scratch, total);
            }
        }
        phase = Phase.FINISHED;
        return new AggregationResult(total, contributors);
    }

    private void requirePhase(final Phase expected) {
        if (phase != expected) {
            throw new IllegalStateException("phase cannot be finished now, phase=" + phase + ", requested="
                + expected + ", round=" + RoundIds.format(setup.roundId()));
        }
    }

    private void requireAllAggregators(final int answered) {
        if (answered < setup.aggregators()) {
            throw new SecAggException(Reason.TOO_FEW_AGGREGATORS, "additive aggregation needs every aggregator, "
                + "phase=" + phase + ", answered=" + answered + ", aggregators=" + setup.aggregators() + ", round="
                + RoundIds.format(setup.roundId()));
        }
    }

    @Override
    public synchronized String toString() {
        return "AdditiveCombiner[round=" + RoundIds.format(setup.roundId()) + ", phase=" + phase + ", aggregators="
            + setup.aggregators() + "]";
    }
}
