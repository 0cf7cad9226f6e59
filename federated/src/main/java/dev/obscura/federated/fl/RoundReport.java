package dev.obscura.federated.fl;

import java.util.List;
import java.util.Map;

/**
 * What one round of federated averaging did.
 *
 * @param round          the round, from 1
 * @param sampled        the clients sent the model this round
 * @param aggregated     the clients whose updates are in the new model
 * @param dropped        the clients left out, each with why (failed, timed out, unreachable)
 * @param samples        the images the aggregated updates were trained on
 * @param trainLoss      the sample-weighted mean of the aggregated clients' training losses
 * @param testAccuracy   the new model's accuracy on the server's test set, or {@code NaN} without one
 * @param seconds        the round's wall time, evaluation included
 * @param bytesPerClient the bytes sent to and received from the sampled clients this round, per client
 */
public record RoundReport(int round, List<String> sampled, List<String> aggregated, Map<String, String> dropped,
                          int samples, double trainLoss, double testAccuracy, double seconds, long bytesPerClient) {
    /** Copies the collections. */
    public RoundReport {
        sampled = List.copyOf(sampled);
        aggregated = List.copyOf(aggregated);
        dropped = Map.copyOf(dropped);
    }
}
