package dev.obscura.federated.fl;

import dev.obscura.privacy.PrivacySpent;
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
 * @param privacy        with a differentially private aggregation ({@link DpFedAvg}): the privacy spent by every
 *                       round so far, this one included; {@code null} without one
 */
public record RoundReport(int round, List<String> sampled, List<String> aggregated, Map<String, String> dropped,
                          int samples, double trainLoss, double testAccuracy, double seconds, long bytesPerClient,
                          PrivacySpent privacy) {
    /** Copies the collections. */
    public RoundReport {
        sampled = List.copyOf(sampled);
        aggregated = List.copyOf(aggregated);
        dropped = Map.copyOf(dropped);
    }

    /** A report of a round without differential privacy. */
    public RoundReport(final int round, final List<String> sampled, final List<String> aggregated,
                       final Map<String, String> dropped, final int samples, final double trainLoss,
                       final double testAccuracy, final double seconds, final long bytesPerClient) {
        this(round, sampled, aggregated, dropped, samples, trainLoss, testAccuracy, seconds, bytesPerClient, null);
    }
}
