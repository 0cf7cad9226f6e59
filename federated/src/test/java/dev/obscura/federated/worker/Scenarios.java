package dev.obscura.federated.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.engine.PlainTensor;
import java.util.List;

/**
 * Scenarios of the seeds' remote-execution tutorial, written once over {@link Workers} and run by the tests on
 * in-process workers and on remote ones over TLS: the same code, the same answers.
 */
final class Scenarios {
    private Scenarios() {
    }

    static PlainTensor vector(final float... v) {
        return new PlainTensor(v.clone(), v.length);
    }

    /** send, get, the listing, remote arithmetic, and both kinds of error. */
    static void pointersAndArithmetic(final Workers workers) {
        final Worker bob = workers.get("bob");
        final Worker alice = workers.get("alice");
        final int before = bob.objects().size();
        final long bytesBefore = bob.memoryBytes();
        final RemoteTensor x = bob.send(vector(1, 2, 3, 4, 5));
        final RemoteTensor y = bob.send(vector(1, 1, 1, 1, 1));
        assertEquals(before + 2, bob.objects().size());
        assertEquals(bytesBefore + 40, bob.memoryBytes());
        final RemoteTensor z = x.add(y);
        assertArrayEquals(new int[] {5}, z.shape());
        assertArrayEquals(new float[] {2, 3, 4, 5, 6}, z.get().data());
        assertFalse(z.isLive());
        final IllegalStateException fetched = assertThrows(IllegalStateException.class, () -> z.add(x));
        assertTrue(fetched.getMessage().contains("was fetched with get()"), fetched.getMessage());
        final RemoteTensor far = alice.send(vector(1, 1, 1, 1, 1));
        final IllegalArgumentException apart = assertThrows(IllegalArgumentException.class, () -> x.add(far));
        assertTrue(apart.getMessage().contains("is on bob") && apart.getMessage().contains("on alice"),
            apart.getMessage());
        final IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
            () -> x.matmul(y));
        assertTrue(shapes.getMessage().contains("[5] and [5]"), shapes.getMessage());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, x.get().data());
        y.close();
        far.close();
        assertEquals(before, bob.objects().size());
        assertEquals(0, alice.objects().size());
    }

    /** {@code z = (x + y).sum(); z.backward(); x.grad} with x and y parameters at a worker. */
    static void autograd(final Workers workers) {
        final Worker bob = workers.get("bob");
        try (RemoteScope scope = RemoteScope.open()) {
            final RemoteTensor x = bob.sendParameter(vector(1, 2, 3, 4, 5));
            final RemoteTensor y = bob.sendParameter(vector(1, 1, 1, 1, 1));
            final RemoteTensor z = x.add(y).sum();
            assertTrue(z.requiresGrad());
            z.backward();
            assertArrayEquals(new float[] {1, 1, 1, 1, 1}, x.grad().get().data());
            assertArrayEquals(new float[] {1, 1, 1, 1, 1}, y.grad().get().data());
            assertEquals(15f + 5f, z.get().data()[0]);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5}, x.get().data());
        }
    }

    /** The seeds' project: a linear model learnt with data and model both at the worker; returns the losses. */
    static float[] linearModel(final Workers workers) {
        final Worker bob = workers.get("bob");
        try (RemoteTensor input = bob.send(new PlainTensor(new float[] {1, 1, 0, 1, 1, 0, 0, 0}, 4, 2));
             RemoteTensor target = bob.send(new PlainTensor(new float[] {1, 1, 0, 0}, 4, 1));
             RemoteTensor weights = bob.sendParameter(new PlainTensor(new float[2], 2, 1))) {
            final float[] losses = new float[10];
            for (int i = 0; i < 10; i++) {
                try (RemoteScope step = RemoteScope.open()) {
                    final RemoteTensor loss = input.matmul(weights).sub(target).square().sum();
                    loss.backward();
                    weights.subInPlace(weights.grad().scale(0.1f));
                    weights.zeroGrad();
                    losses[i] = loss.get().data()[0];
                }
            }
            return losses;
        }
    }

    /** move and copyTo, worker to worker. */
    static void moves(final Workers workers) {
        final Worker bob = workers.get("bob");
        final Worker alice = workers.get("alice");
        final RemoteTensor x = bob.send(vector(1, 2, 3));
        final RemoteTensor atAlice = x.move(alice);
        assertEquals(alice, atAlice.worker());
        final IllegalStateException moved = assertThrows(IllegalStateException.class, x::get);
        assertTrue(moved.getMessage().contains("was moved to worker alice"), moved.getMessage());
        final RemoteTensor copy = atAlice.copyTo(bob);
        assertArrayEquals(new float[] {2, 4, 6}, copy.add(copy).get().data());
        assertArrayEquals(new float[] {1, 2, 3}, atAlice.get().data());
        copy.close();
        bob.flush();
        assertEquals(List.of(), alice.objects());
    }
}
