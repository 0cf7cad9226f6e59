package dev.obscura.federated.fl;

import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.WorkerException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Averaging at a worker the clients trust, as in the seeds' "advanced remote execution" lesson: each update moves
 * worker to worker to the aggregator (its values never pass through the server), which weighs and sums them there;
 * the server fetches only the average. The aggregator sees every update, the server none: a step towards secure
 * aggregation, where nobody sees one. Stateless apart from the aggregator.
 */
public final class TrustedAggregator implements Aggregation {
    private final Worker aggregator;

    /** Averaging at {@code aggregator}, which every client must be able to reach. */
    public TrustedAggregator(final Worker aggregator) {
        this.aggregator = Objects.requireNonNull(aggregator, "aggregator");
    }

    @Override
    public String name() {
        return "trusted-aggregator(" + aggregator.name() + ")";
    }

    @Override
    public AggregatedUpdate aggregate(final List<LocalUpdate> updates, final int parameters) {
        final List<String> in = new ArrayList<>();
        final Map<String, String> dropped = new LinkedHashMap<>();
        long samples = 0;
        try (RemoteScope scope = RemoteScope.open()) {
            RemoteTensor sum = null;
            for (final LocalUpdate u : updates) {
                final RemoteTensor here;
                try {
                    here = u.worker() == aggregator ? u.update() : u.update().move(aggregator);
                } catch (WorkerException | IllegalStateException e) {
                    u.update().close();
                    dropped.put(u.worker().name(), e.getMessage());
                    continue;
                }
                final RemoteTensor weighted = here.scale(u.samples());
                sum = sum == null ? weighted : sum.add(weighted);
                samples += u.samples();
                in.add(u.worker().name());
            }
            if (sum == null) {
                throw new IllegalStateException("no update reached the aggregator " + aggregator.name()
                    + ", dropped=" + dropped.keySet());
            }
            final float[] total = sum.get().data();
            if (total.length != parameters) {
                throw new IllegalStateException("the aggregate has the wrong length, length=" + total.length
                    + ", expected=" + parameters);
            }
            final double[] weightedSum = new double[total.length];
            for (int i = 0; i < total.length; i++) {
                weightedSum[i] = total[i];
            }
            return Averages.of(weightedSum, samples, in, dropped);
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
