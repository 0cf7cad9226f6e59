package dev.obscura.federated.fl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistFilesOrSkip;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.Worker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Federated averaging on an MNIST subset (skipped where the files are absent): IID learns, non-IID splits by digit. */
final class FederatedMnistTest {
    private static final ModelSpec MLP = ModelSpec.builder().flatten().linear(784, 32).relu().linear(32, 10).build();

    @Test
    void shouldLearnMnistFromFourWorkersWithIidAndNonIidSplits() {
        final MnistData mnist = Mnist.load(MnistFilesOrSkip.locate(), 2000, 1000);
        for (final boolean iid : new boolean[] {true, false}) {
            final var parts = iid ? Partitions.iid(mnist.train(), 4, 1) : Partitions.byLabel(mnist.train(), 4, 2, 1);
            if (!iid) {
                for (final var p : parts) {
                    assertTrue(Partitions.labels(p).length <= 4, "two shards of sorted digits");
                }
            }
            try (LocalWorkers workers = LocalWorkers.start("w0", "w1", "w2", "w3")) {
                final List<Client> clients = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    final Worker w = workers.all().get(i);
                    clients.add(new Client(w, w.send(parts.get(i))));
                }
                final FederatedResult r = FederatedAveraging.builder().model(MLP).rounds(3)
                    .localTraining(new LocalTraining(1, 20, 0.05f, 0.9f, 0f, 1)).testSet(mnist.test()).build()
                    .run(clients);
                assertEquals(3, r.rounds().size());
                if (iid) {
                    assertTrue(r.finalAccuracy() > 0.82, "IID accuracy=" + r.finalAccuracy());
                } else {
                    assertTrue(r.finalAccuracy() > 0.3, "non-IID accuracy=" + r.finalAccuracy());
                }
            }
        }
    }
}
