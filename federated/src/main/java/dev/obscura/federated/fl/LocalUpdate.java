package dev.obscura.federated.fl;

import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;

/**
 * A client's model update after local training, still at its worker: the aggregation decides how (and whether) its
 * values leave the worker, and releases it.
 *
 * @param worker   the worker that holds it
 * @param update   the flat update, the parameters after local training minus the global ones
 * @param samples  the images it was trained on: its weight {@code n_k} in the average
 * @param meanLoss the worker's mean training loss over its last local epoch
 */
public record LocalUpdate(Worker worker, RemoteTensor update, int samples, double meanLoss) {
}
