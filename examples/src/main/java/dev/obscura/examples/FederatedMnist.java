package dev.obscura.examples;

import dev.obscura.data.LabelledImages;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.federated.fl.Client;
import dev.obscura.federated.fl.FederatedAveraging;
import dev.obscura.federated.fl.FederatedResult;
import dev.obscura.federated.fl.Partitions;
import dev.obscura.federated.fl.RoundListener;
import dev.obscura.federated.fl.RoundReport;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.models.MnistCnn;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tutorial "Federated learning on MNIST": the training images spread over workers (the data owners put their part
 * on their worker), then federated averaging: every round the model goes to the workers, each trains it on its own
 * images, and the server averages the updates and tests the model on its own test set. The same as
 * {@code obscura fl}; with {@code nonIid} each worker holds only two shards of sorted digits.
 */
public final class FederatedMnist {
    private FederatedMnist() {
    }

    /**
     * Federated averaging of {@code spec} over {@code workers}, MNIST's {@code train} split among them, tested on
     * {@code test}.
     */
    public static FederatedResult run(final Workers workers, final ModelSpec spec, final LabelledImages train,
                                      final LabelledImages test, final int rounds, final boolean nonIid,
                                      final PrintStream out) {
        final List<Worker> all = workers.all();
        final List<LabelledImages> parts = nonIid ? Partitions.byLabel(train, all.size(), 2, 1)
            : Partitions.iid(train, all.size(), 1);
        final List<Client> clients = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            clients.add(new Client(all.get(i), all.get(i).send(parts.get(i))));
        }
        return FederatedAveraging.builder().model(spec).rounds(rounds)
            .localTraining(new LocalTraining(1, 32, 0.05f, 0.5f, 5e-4f, 1)).testSet(test)
            .parallelism(Runtime.getRuntime().availableProcessors())
            .listener(new RoundListener() {
                @Override
                public void roundDone(final RoundReport r) {
                    out.printf("round %d: test accuracy %.2f%%, %d workers, %.1f s%n", r.round(),
                        100 * r.testAccuracy(), r.aggregated().size(), r.seconds());
                }
            }).build().run(clients);
    }

    /**
     * Federated averaging of {@link MnistCnn} over ten workers, five rounds, on the MNIST files that
     * {@code obscura} finds ({@code --non-iid} for the by-label split).
     *
     * @param args see {@link Examples}, and {@code --non-iid}
     */
    public static void main(final String[] args) {
        final MnistData mnist = Mnist.load(Mnist.locate(Optional.empty()));
        final String[] names = new String[10];
        for (int i = 0; i < names.length; i++) {
            names[i] = "worker-" + i;
        }
        try (Workers workers = Examples.workers(args, names)) {
            final FederatedResult r = run(workers, ModelSpec.of(MnistCnn.create(new PlainEngine(), 1)), mnist.train(),
                mnist.test(), 5, List.of(args).contains("--non-iid"), System.out);
            System.out.printf("final test accuracy %.2f%%%n", 100 * r.finalAccuracy());
        }
    }
}
