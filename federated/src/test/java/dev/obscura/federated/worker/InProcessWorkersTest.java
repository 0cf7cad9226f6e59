package dev.obscura.federated.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.engine.PlainTensor;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers in this process: the seeds' scenarios, autograd's refusals, and releases by close and by the collector. */
final class InProcessWorkersTest {
    private LocalWorkers workers;

    @BeforeEach
    void start() {
        workers = LocalWorkers.builder().worker("bob").worker("alice").timeout(Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void stop() {
        workers.close();
    }

    @Test
    void shouldRunTheScenarios() {
        Scenarios.pointersAndArithmetic(workers);
        Scenarios.autograd(workers);
        Scenarios.moves(workers);
    }

    @Test
    void shouldLearnTheLinearModelAtTheWorker() {
        final float[] losses = Scenarios.linearModel(workers);
        // The seeds' losses: 2.0, 0.56, 0.2432, 0.1372, ... 0.0090.
        assertEquals(2.0f, losses[0], 1e-6f);
        assertEquals(0.56f, losses[1], 1e-5f);
        assertEquals(0.2432f, losses[2], 1e-5f);
        assertEquals(0.0090f, losses[9], 1e-4f);
        assertEquals(0, workers.get("bob").objects().size());
    }

    @Test
    void shouldRefuseToUseAResultOfAnEndedGraph() {
        final Worker bob = workers.get("bob");
        final RemoteTensor w = bob.sendParameter(Scenarios.vector(1, 2));
        final RemoteTensor doubled = w.scale(2f);
        final RemoteTensor loss = doubled.sum();
        loss.backward();
        assertArrayEquals(new float[] {2, 2}, w.grad().get().data());
        final WorkerException again = assertThrows(WorkerException.class, loss::backward);
        assertTrue(again.getMessage().contains("backward() already ran"), again.getMessage());
        final WorkerException ended = assertThrows(WorkerException.class, () -> doubled.add(doubled));
        assertTrue(ended.getMessage().contains("copy() it"), ended.getMessage());
        assertArrayEquals(new float[] {4, 8}, doubled.copy().add(doubled.copy()).get().data());
    }

    @Test
    void shouldRefuseAnInPlaceChangeOfAParameterAGraphStillNeeds() {
        final Worker bob = workers.get("bob");
        final RemoteTensor w = bob.sendParameter(Scenarios.vector(1, 2));
        final RemoteTensor loss = w.square().sum();
        final RemoteTensor step = bob.send(Scenarios.vector(1, 1));
        final WorkerException e = assertThrows(WorkerException.class, () -> w.subInPlace(step));
        assertTrue(e.getMessage().contains("has not run backward()"), e.getMessage());
        loss.backward();
        w.subInPlace(step);
        assertArrayEquals(new float[] {0, 1}, w.get().data());
    }

    @Test
    void shouldNotBackwardANonScalarOrATensorWithoutGradient() {
        final Worker bob = workers.get("bob");
        final RemoteTensor plain = bob.send(Scenarios.vector(1, 2));
        assertTrue(assertThrows(WorkerException.class, () -> plain.sum().backward()).getMessage()
            .contains("collects no gradient"));
        final RemoteTensor p = bob.sendParameter(Scenarios.vector(1, 2));
        assertTrue(assertThrows(WorkerException.class, () -> p.scale(3f).backward()).getMessage()
            .contains("needs a scalar"));
        assertTrue(assertThrows(WorkerException.class, () -> plain.grad()).getMessage()
            .contains("not sent as a parameter"));
    }

    @Test
    void shouldKeepTheObjectCountAndMemoryFlatOverTenThousandOperationsReleasedByClose() {
        final Worker bob = workers.get("bob");
        try (RemoteTensor x = bob.send(Scenarios.vector(1, 2, 3, 4));
             RemoteTensor y = bob.send(Scenarios.vector(4, 3, 2, 1))) {
            final int objects = bob.objects().size();
            final long bytes = bob.memoryBytes();
            for (int i = 0; i < 10_000; i++) {
                try (RemoteTensor z = x.add(y)) {
                    assertArrayEquals(new int[] {4}, z.shape());
                }
                if (i % 1000 == 999) {
                    // Releases ride with the next request: at most the one just closed is still held.
                    assertTrue(bob.objects().size() <= objects, "objects=" + bob.objects().size());
                }
            }
            assertEquals(objects, bob.objects().size());
            assertEquals(bytes, bob.memoryBytes());
        }
    }

    @Test
    void shouldReleaseWhatTheGarbageCollectorTakesOverTenThousandOperations() throws InterruptedException {
        final Worker bob = workers.get("bob");
        try (RemoteTensor x = bob.send(Scenarios.vector(1, 2, 3, 4))) {
            final int objects = bob.objects().size();
            final long bytes = bob.memoryBytes();
            int most = 0;
            for (int i = 0; i < 10_000; i++) {
                x.scale(2f); // the reference is dropped at once
                if (i % 500 == 499) {
                    System.gc();
                    most = Math.max(most, bob.objects().size());
                }
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (bob.objects().size() > objects && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(objects, bob.objects().size(), "every dropped reference was released");
            assertEquals(bytes, bob.memoryBytes());
            assertTrue(most < 5_000, "releases keep up with the loop, most held=" + most);
        }
    }

    @Test
    void shouldListWhatAWorkerHolds() {
        final Worker bob = workers.get("bob");
        final RemoteTensor p = bob.sendParameter(new PlainTensor(new float[6], 2, 3));
        final var held = bob.objects();
        assertEquals(1, held.size());
        assertEquals("tensor", held.get(0).kind());
        assertArrayEquals(new int[] {2, 3}, held.get(0).shape());
        assertEquals(24, held.get(0).bytes());
        assertTrue(held.get(0).requiresGrad());
        assertEquals(p.id(), held.get(0).id());
    }
}
