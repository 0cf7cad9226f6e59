package dev.obscura.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistFilesOrSkip;
import dev.obscura.federated.fl.FederatedResult;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.Workers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every example, on workers in this process, checked against the tutorial's answers. {@link ExamplesOverTlsTest}
 * runs the remote-execution ones again on remote workers.
 */
final class ExamplesTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    /** The tutorial's losses of the linear-model project, to its four decimals. */
    static final float[] TUTORIAL_LOSSES = {2.0f, 0.56f, 0.2432f, 0.1372f, 0.0849f, 0.0538f, 0.0344f, 0.0220f,
        0.0141f, 0.0090f};

    static void remoteExecution(final Workers workers, final PrintStream out) throws InterruptedException {
        final BasicRemoteExecution.Result basic = BasicRemoteExecution.run(workers, out);
        assertEquals(0, basic.before());
        assertEquals(2, basic.sent());
        assertEquals(0, basic.after());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, basic.fetched().data());

        final TwoWorkers.Result two = TwoWorkers.run(workers, out);
        assertEquals(2, two.copies().size());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, two.copies().get(1).data());
        assertArrayEquals(new float[] {2, 4, 6, 8, 10}, two.sum().data());

        final RemoteArithmetic.Result arithmetic = RemoteArithmetic.run(workers, out);
        assertArrayEquals(new float[] {2, 3, 4, 5, 6}, arithmetic.sum().data());
        assertEquals(0f, arithmetic.product().data()[0]);

        final RemoteAutograd.Result grad = RemoteAutograd.run(workers, out);
        assertArrayEquals(new float[] {1, 1, 1, 1, 1}, grad.xGrad().data());
        assertEquals(20f, grad.z());

        final float[] losses = LinearModelOnRemoteWorker.run(workers, out);
        for (int i = 0; i < losses.length; i++) {
            assertEquals(TUTORIAL_LOSSES[i], losses[i], 5e-5f, "step " + i);
        }

        final GarbageCollection.Result gc = GarbageCollection.run(workers, out);
        assertEquals(0, gc.afterClose());
        assertEquals(0, gc.afterCollected());
        assertEquals(1, gc.afterLoop());
        assertTrue(gc.twoWorkers().contains("is on bob") && gc.twoWorkers().contains("on alice"), gc.twoWorkers());
        assertTrue(gc.usedAfterGet().contains("was fetched with get()"), gc.usedAfterGet());

        final ToyFederatedLearning.Result toy = ToyFederatedLearning.run(workers, out, 20);
        assertTrue(toy.centralised()[19] < 0.01f * toy.centralised()[0], "centralised converges");
        assertTrue(toy.federated()[39] < 0.01f, "federated converges, last loss " + toy.federated()[39]);

        final AdvancedRemoteExecution.Result advanced = AdvancedRemoteExecution.run(workers, out);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, advanced.moved().data());
        assertEquals(0, advanced.heldByBob());
        // bob: d = [1 1; 0 1], t = [1 1], w = [.5 .5]: residual [0, -.5], gradient 2 d^T r = [0, -1];
        // alice: d = [1 0; 0 0], t = [0 0]: residual [.5, 0], gradient [1, 0]; the average is [.5, -.5].
        assertArrayEquals(new float[] {0.5f, -0.5f}, advanced.average().data(), 1e-6f);
        assertArrayEquals(new float[] {0.45f, 0.55f}, advanced.weights().data(), 1e-6f);
    }

    @Test
    void shouldRunTheRemoteExecutionTutorialOnWorkersInThisProcess() throws InterruptedException {
        try (LocalWorkers workers = LocalWorkers.start("bob", "alice", "secure")) {
            remoteExecution(workers, out);
            workers.get("bob").flush();
            workers.get("alice").flush();
            assertEquals(List.of(), workers.get("alice").objects());
        }
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("loss 0.0090"));
    }

    @Test
    void shouldShareAmongWorkersAndRunTheModelOnShares() {
        try (LocalWorkers workers = LocalWorkers.start("bob", "alice", "charlie")) {
            final SecretSharing.Result r = SecretSharing.run(workers, out);
            assertEquals(Math.round(0.123 * 65536), r.encoded());
            assertArrayEquals(new float[] {30, 8, 0.5f}, r.sum().data(), 1e-4f);
            assertArrayEquals(new float[] {125, 15, -3}, r.product().data(), 1e-3f);
            assertArrayEquals(r.plainLogits().data(), r.logits().data(), 5e-3f);
            for (final var w : workers.all()) {
                w.flush();
                assertEquals(List.of(), w.objects(), "no share is left at " + w.name());
            }
        }
    }

    @Test
    void shouldLearnMnistWithSecureAggregationAndDifferentialPrivacy() {
        final MnistData mnist = Mnist.load(MnistFilesOrSkip.locate(), 6000, 1000);
        final ModelSpec linear = ModelSpec.builder().flatten().linear(784, 10).build();
        final String[] names = new String[60];
        for (int i = 0; i < names.length; i++) {
            names[i] = "w" + i;
        }
        try (LocalWorkers workers = LocalWorkers.start(names)) {
            final SecureFederatedMnist.Result r = SecureFederatedMnist.run(workers, linear, mnist.train(),
                mnist.test(), 3, 8, 1e-5, 1, out);
            // The privacy spent is the target's, within the calibration's tolerance, after the last round.
            assertTrue(r.spent().epsilon() <= 8 && r.spent().epsilon() > 7.9, "epsilon " + r.spent());
            for (final var round : r.training().rounds()) {
                assertEquals(60, round.aggregated().size(), "every worker in the secure sum");
            }
            assertTrue(r.training().finalAccuracy() > 0.6, "accuracy " + r.training().finalAccuracy());
        }
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("DP-FedAvg with secure aggregation"));
    }

    @Test
    void shouldLearnMnistByFederatedAveraging() {
        final MnistData mnist = Mnist.load(MnistFilesOrSkip.locate(), 3000, 1000);
        final ModelSpec mlp = ModelSpec.builder().flatten().linear(784, 64).relu().linear(64, 10).build();
        try (LocalWorkers workers = LocalWorkers.start("w0", "w1", "w2")) {
            final FederatedResult iid = FederatedMnist.run(workers, mlp, mnist.train(), mnist.test(), 2, false, out);
            assertTrue(iid.finalAccuracy() > 0.8, "accuracy " + iid.finalAccuracy());
        }
    }
}
