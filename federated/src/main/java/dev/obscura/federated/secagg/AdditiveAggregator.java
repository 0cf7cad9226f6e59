package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Aggregator j of secure aggregation by additive sharing: collects one {@link AdditiveShare} per client, reports who
 * it holds, and sums the shares of the contributor set the combiner fixes:
 * <pre>{@code
 * AdditiveAggregator aggregator = new AdditiveAggregator(setup, j, backend);
 * aggregator.receive(peer, share) ...;                     // one per client
 * ContributorReport report = aggregator.report();          // to the combiner
 * AggregatorSum sum = aggregator.sum(contributorSet);      // z_j = sum_{u in S} x_{u,j}, to the combiner
 * }</pre>
 * It sees one share per client, uniformly distributed whatever the update; it learns nothing unless it colludes with
 * all {@code k - 1} other aggregators. A refused message ({@link SecAggException}) changes nothing. Synchronized.
 */
public final class AdditiveAggregator {
    private enum Phase { COLLECTING, REPORTED, FINISHED }

    private final AdditiveRoundSetup setup;
    private final int index;
    private final Backend backend;
    private final SortedMap<Integer, AdditiveShare> shares = new TreeMap<>();
    private Phase phase = Phase.COLLECTING;

    /** Aggregator {@code index} (in {@code [0, k)}) of round {@code setup}; {@code backend} expands the seeds. */
    public AdditiveAggregator(final AdditiveRoundSetup setup, final int index, final Backend backend) {
        if (index < 0 || index >= setup.aggregators()) {
            throw new IllegalArgumentException("aggregator index must be in [0, aggregators), index=" + index
                + ", aggregators=" + setup.aggregators());
        }
        this.setup = setup;
        this.index = index;
        this.backend = backend;
    }

    /** {@code j}. */
    public int index() {
        return index;
    }

    /** The invited clients not heard from yet (empty once the report is out). */
    public synchronized int[] awaiting() {
        return phase != Phase.COLLECTING ? new int[0]
            : Arrays.stream(setup.clients()).filter(c -> !shares.containsKey(c)).toArray();
    }

    /**
     * Takes client {@code authenticatedPeer}'s share.
     *
     * @throws SecAggException when refused: another round, a sender other than the peer, after the report, a client
     *     not invited, a second share, a share for another aggregator, or the wrong kind or length
     */
    public synchronized void receive(final int authenticatedPeer, final AdditiveShare share) {
        Checks.roundAndSender(setup.roundId(), authenticatedPeer, share);
        Checks.stage(phase, Phase.COLLECTING, share, setup.roundId());
        if (share.aggregator() != index) {
            throw new SecAggException(Reason.WRONG_RECIPIENT, "share addressed to another aggregator, sender="
                + share.sender() + ", share aggregator=" + share.aggregator() + ", aggregator=" + index + ", round="
                + RoundIds.format(setup.roundId()));
        }
        Checks.expectedOnce(setup.clients(), shares.containsKey(authenticatedPeer), share, setup.roundId());
        final boolean explicitHere = setup.explicitAggregator(share.sender()) == index;
        if (share.explicit() != explicitHere
            || share.explicit() && share.valuesView().length != setup.vectorLength()) {
            throw new SecAggException(Reason.INCONSISTENT, "share of the wrong kind or length, sender="
                + share.sender() + ", explicit=" + share.explicit() + ", expected explicit=" + explicitHere
                + (share.explicit() ? ", length=" + share.valuesView().length + ", vectorLength="
                + setup.vectorLength() : "") + ", round=" + RoundIds.format(setup.roundId()));
        }
        shares.put(authenticatedPeer, share);
    }

    /** Ends collection: the clients whose shares this aggregator holds. */
    public synchronized ContributorReport report() {
        if (phase != Phase.COLLECTING) {
            throw new IllegalStateException("report already made, aggregator=" + index + ", phase=" + phase);
        }
        phase = Phase.REPORTED;
        return new ContributorReport(setup.roundId(), index, Ids.sorted(shares.keySet()));
    }

    /**
     * {@code z_j = sum_{u in S} x_{u,j}} over Z_2^64, seeds expanded by the PRG, for the contributor set S the
     * combiner fixed: a subset of what this aggregator reported, of at least {@code minClients} clients.
     */
    public synchronized AggregatorSum sum(final ContributorSet contributorSet) {
        Checks.roundAndSender(setup.roundId(), WireFormat.SERVER, contributorSet);
        Checks.stage(phase, Phase.REPORTED, contributorSet, setup.roundId());
        final int[] contributors = contributorSet.ids();
        if (!Ids.containsAll(Ids.sorted(shares.keySet()), contributors)) {
            throw new SecAggException(Reason.INCONSISTENT, "contributor set names a client this aggregator holds no "
                + "share of, contributors=" + Ids.format(contributors) + ", aggregator=" + index);
        }
        if (contributors.length < setup.minClients()) {
            throw SecAggException.tooFewClients("ADDITIVE_SUM", contributors.length, setup.minClients(),
                setup.roundId());
        }
        final long[] sum;
        try (RingTensor acc = RingTensor.zeros(setup.vectorLength());
             RingTensor scratch = RingTensor.zeros(setup.vectorLength())) {
            for (final int u : contributors) {
                final AdditiveShare share = shares.get(u);
                if (share.explicit()) {
                    scratch.copyFrom(share.valuesView());
                    backend.add(acc, scratch, acc);
                    scratch.fill(0);
                } else {
                    Masks.add(backend, acc, share.seed(), 1, scratch);
                }
            }
            sum = acc.toArray();
        }
        shares.values().forEach(AdditiveShare::wipe);
        shares.clear();
        phase = Phase.FINISHED;
        return new AggregatorSum(setup.roundId(), index, contributors, sum);
    }

    @Override
    public synchronized String toString() {
        return "AdditiveAggregator[round=" + RoundIds.format(setup.roundId()) + ", index=" + index + ", phase="
            + phase + ", shares=" + shares.size() + "]";
    }
}
