package dev.obscura.federated.fl;

import dev.obscura.federated.worker.WorkerException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain aggregation of McMahan et al. (AISTATS 2017, Algorithm 1): the server fetches every update and takes
 * {@code w_{t+1} - w_t = sum_k (n_k / n) Δ_k}, in double. The server sees each client's update. Stateless.
 */
public final class WeightedAverage implements Aggregation {
    @Override
    public String name() {
        return "weighted-average";
    }

    @Override
    public AggregatedUpdate aggregate(final List<LocalUpdate> updates, final int parameters) {
        final double[] sum = new double[parameters];
        final List<String> in = new ArrayList<>();
        final Map<String, String> dropped = new LinkedHashMap<>();
        long samples = 0;
        for (final LocalUpdate u : updates) {
            final float[] values;
            try {
                values = u.update().get().data();
            } catch (WorkerException | IllegalStateException e) {
                u.update().close();
                dropped.put(u.worker().name(), e.getMessage());
                continue;
            }
            if (values.length != parameters) {
                dropped.put(u.worker().name(), "update of the wrong length, length=" + values.length + ", expected="
                    + parameters);
                continue;
            }
            for (int i = 0; i < parameters; i++) {
                sum[i] += (double) u.samples() * values[i];
            }
            samples += u.samples();
            in.add(u.worker().name());
        }
        return Averages.of(sum, samples, in, dropped);
    }

    @Override
    public String toString() {
        return name();
    }
}
