package dev.obscura.federated.secagg;

import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Drives one round of additive aggregation in-process as a transport would: messages cross as bytes, and the bytes
 * every party sends and receives are counted. Clients in {@code partial} reach only aggregator 0 (they drop while
 * sending); clients in {@code dropped} send nothing.
 */
final class AdditiveDriver {
    final AdditiveRoundSetup setup;
    final Map<Integer, long[]> updates;
    final List<AdditiveAggregator> aggregators = new ArrayList<>();
    final AdditiveCombiner combiner;
    final Set<Integer> dropped = new HashSet<>();
    final Set<Integer> partial = new HashSet<>();
    final Map<Integer, Long> clientSent = new TreeMap<>();
    final Map<Integer, Long> aggregatorSent = new TreeMap<>();
    final Map<Integer, Long> aggregatorReceived = new TreeMap<>();
    final Map<Integer, List<AdditiveShare>> shares = new TreeMap<>();
    final List<SecAggMessage> messages = new ArrayList<>();
    long combinerSent;
    long combinerReceived;

    AdditiveDriver(final int aggregatorCount, final int minClients, final Map<Integer, long[]> updates) {
        this.updates = updates;
        final int[] ids = updates.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.setup = AdditiveRoundSetup.create(ids, aggregatorCount, minClients, updates.get(ids[0]).length);
        for (int j = 0; j < aggregatorCount; j++) {
            aggregators.add(new AdditiveAggregator(setup, j, BonawitzDriver.BACKEND));
            aggregatorSent.put(j, 0L);
            aggregatorReceived.put(j, 0L);
        }
        this.combiner = new AdditiveCombiner(setup, BonawitzDriver.BACKEND);
    }

    void sendShares() {
        for (final int u : setup.clients()) {
            if (dropped.contains(u)) {
                continue;
            }
            try (RingTensor x = RingTensor.of(updates.get(u), setup.vectorLength())) {
                final List<AdditiveShare> mine = AdditiveSharer.share(setup, u, x, BonawitzDriver.BACKEND);
                shares.put(u, mine);
                for (final AdditiveShare s : mine) {
                    if (!partial.contains(u) || s.aggregator() == 0) {
                        final byte[] bytes = s.encode();
                        clientSent.merge(u, (long) bytes.length, Long::sum);
                        aggregatorReceived.merge(s.aggregator(), (long) bytes.length, Long::sum);
                        aggregators.get(s.aggregator()).receive(u, decode(bytes));
                    }
                }
            }
        }
    }

    ContributorSet exchangeReports() {
        for (final AdditiveAggregator a : aggregators) {
            toCombiner(a.index(), a.report());
        }
        final ContributorSet set = combiner.finishReports();
        for (final AdditiveAggregator a : aggregators) {
            final byte[] bytes = set.encode();
            combinerSent += bytes.length;
            aggregatorReceived.merge(a.index(), (long) bytes.length, Long::sum);
            toCombiner(a.index(), a.sum(decode(bytes)));
        }
        return set;
    }

    AggregationResult runAll() {
        sendShares();
        exchangeReports();
        return combiner.finishSums();
    }

    private void toCombiner(final int aggregator, final SecAggMessage message) {
        final byte[] bytes = message.encode();
        aggregatorSent.merge(aggregator, (long) bytes.length, Long::sum);
        combinerReceived += bytes.length;
        combiner.receive(aggregator, decode(bytes));
    }

    @SuppressWarnings("unchecked")
    private <M extends SecAggMessage> M decode(final byte[] bytes) {
        final M decoded = (M) SecAggMessage.decode(bytes);
        messages.add(decoded);
        return decoded;
    }
}
