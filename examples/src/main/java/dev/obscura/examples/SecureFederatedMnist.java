package dev.obscura.examples;

import dev.obscura.data.LabelledImages;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.federated.fl.Client;
import dev.obscura.federated.fl.DpFedAvg;
import dev.obscura.federated.fl.FederatedAveraging;
import dev.obscura.federated.fl.FederatedResult;
import dev.obscura.federated.fl.Partitions;
import dev.obscura.federated.fl.RoundListener;
import dev.obscura.federated.fl.RoundReport;
import dev.obscura.federated.fl.SecureAggregation;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.privacy.PrivacySpent;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tutorial "Federated learning with secure aggregation and differential privacy" (the PySyft notebook of seed 004,
 * Boston housing there, MNIST here): the data owners keep their images on their workers; every round each worker
 * trains the model on its own images, clips its update, and the workers sum their updates by secure aggregation
 * (Bonawitz et al., CCS 2017), so the server learns only the sum; the server adds Gaussian noise to the sum once
 * (DP-FedAvg, McMahan et al., ICLR 2018) and the accountant states the privacy spent, user level: each worker's
 * whole data set is protected.
 *
 * <p>The notebook adds noise to each worker's gradients as in Abadi et al.'s DP-SGD and then sums them; here the
 * noise goes once on the sum, which is what the sum's sensitivity (the clip norm) calls for. The server sees the sum
 * before the noise: the guarantee protects against whoever sees the models, not against the server (noise split
 * among the workers needs Kairouz et al., ICML 2021, not implemented). User-level privacy needs many workers: the
 * noise on the mean is σC over the number of workers per round, so with few workers it drowns the updates.
 */
public final class SecureFederatedMnist {
    private SecureFederatedMnist() {
    }

    /**
     * What a run gave.
     *
     * @param training        the model and every round's report, each with the privacy spent so far
     * @param spent           ε at δ after every round
     * @param noiseMultiplier the σ calibrated for the target ε
     */
    public record Result(FederatedResult training, PrivacySpent spent, double noiseMultiplier) {
    }

    /**
     * {@code rounds} rounds of DP-FedAvg with secure aggregation of {@code spec} over every worker of
     * {@code workers} each round, MNIST's {@code train} split among them IID, tested on {@code test}, calibrated to
     * spend at most {@code epsilon} at {@code delta}, each update clipped to {@code clip}.
     */
    public static Result run(final Workers workers, final ModelSpec spec, final LabelledImages train,
                             final LabelledImages test, final int rounds, final double epsilon, final double delta,
                             final double clip, final PrintStream out) {
        final List<Worker> all = workers.all();
        // The data owners put their part on their worker (in real use it is there already).
        final List<LabelledImages> parts = Partitions.iid(train, all.size(), 1);
        final List<Client> clients = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            clients.add(new Client(all.get(i), all.get(i).send(parts.get(i))));
        }
        // Every worker takes part in every round: q = 1, and sigma is the smallest that keeps rounds steps within
        // (epsilon, delta).
        final double sigma = DpFedAvg.noiseMultiplierFor(epsilon, delta, 1.0, rounds);
        final DpFedAvg dp = DpFedAvg.builder().clipNorm(clip).noiseMultiplier(sigma).delta(delta)
            .workers(all.size(), all.size()).secure(new SecureAggregation()).build();
        out.printf("%d workers, %,d images each; DP-FedAvg with secure aggregation: clip %s, noise multiplier %.3f"
            + " (epsilon %s at delta %s over %d rounds)%n", all.size(), parts.get(0).count(), clip, sigma, epsilon,
            delta, rounds);
        final FederatedResult result = FederatedAveraging.builder().model(spec).rounds(rounds)
            .localTraining(new LocalTraining(1, 16, 0.1f, 0f, 0f, 1)).aggregation(dp).testSet(test)
            .parallelism(Runtime.getRuntime().availableProcessors())
            .listener(new RoundListener() {
                @Override
                public void roundDone(final RoundReport r) {
                    out.printf("round %d: test accuracy %.2f%%, %d workers in the secure sum, epsilon %.3f%n",
                        r.round(), 100 * r.testAccuracy(), r.aggregated().size(), r.privacy().epsilon());
                }
            }).build().run(clients);
        return new Result(result, dp.spent(), sigma);
    }

    /**
     * DP-FedAvg with secure aggregation of a linear classifier over 50 workers, 5 rounds, at ε = 8, δ = 1e-5,
     * clip 1, on the MNIST files that {@code obscura} finds.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        final MnistData mnist = Mnist.load(Mnist.locate(Optional.empty()));
        final String[] names = new String[50];
        for (int i = 0; i < names.length; i++) {
            names[i] = "worker-" + i;
        }
        try (Workers workers = Examples.workers(args, names)) {
            final Result r = run(workers, ModelSpec.builder().flatten().linear(784, 10).build(), mnist.train(),
                mnist.test(), 5, 8, 1e-5, 1, System.out);
            System.out.printf("final test accuracy %.2f%%, privacy spent %s%n",
                100 * r.training().finalAccuracy(), r.spent());
        }
    }
}
