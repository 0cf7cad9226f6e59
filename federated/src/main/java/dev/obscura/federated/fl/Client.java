package dev.obscura.federated.fl;

import dev.obscura.federated.worker.RemoteDataset;
import dev.obscura.federated.worker.Worker;
import java.util.Objects;

/**
 * One client of federated averaging: a worker and the data set it trains on, which stays there.
 *
 * @param worker the worker
 * @param data   its data set, held by that worker
 */
public record Client(Worker worker, RemoteDataset data) {
    /** Checks that the data set is the worker's. */
    public Client {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(data, "data");
        if (data.worker() != worker) {
            throw new IllegalArgumentException("a client's data set must be held by its worker, worker="
                + worker.name() + ", data at " + data.worker().name());
        }
    }

    /** The worker's name. */
    public String name() {
        return worker.name();
    }
}
