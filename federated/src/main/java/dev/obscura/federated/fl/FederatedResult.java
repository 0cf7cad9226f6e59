package dev.obscura.federated.fl;

import dev.obscura.nn.io.ModelData;
import java.util.List;

/**
 * The outcome of federated averaging.
 *
 * @param model  the final global model
 * @param rounds every round's report, in order
 */
public record FederatedResult(ModelData model, List<RoundReport> rounds) {
    /** Copies the list. */
    public FederatedResult {
        rounds = List.copyOf(rounds);
    }

    /** The last round's test accuracy ({@code NaN} without a test set or rounds). */
    public double finalAccuracy() {
        return rounds.isEmpty() ? Double.NaN : rounds.get(rounds.size() - 1).testAccuracy();
    }
}
