package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.PrintStream;

/**
 * Tutorial lessons "Advanced remote execution tools" and "Pointer chain operations": a tensor moved from one worker
 * to another without passing through the caller ({@code move}, where PySyft builds a pointer chain and
 * {@code remote_get}s it), and its use: averaging the gradients of bob and alice at a secure worker before anybody
 * fetches them, so that the caller never sees either worker's own gradient.
 */
public final class AdvancedRemoteExecution {
    private AdvancedRemoteExecution() {
    }

    /**
     * What happened.
     *
     * @param moved      the tensor, moved bob to alice and fetched from alice
     * @param heldByBob  bob's objects after the move
     * @param average    the averaged gradient, the only one fetched
     * @param weights    the weights after one step with it
     */
    public record Result(PlainTensor moved, int heldByBob, PlainTensor average, PlainTensor weights) {
    }

    /** Runs the lessons on workers {@code bob}, {@code alice} and {@code secure}. */
    public static Result run(final Workers workers, final PrintStream out) {
        final Worker bob = workers.get("bob");
        final Worker alice = workers.get("alice");
        final Worker secure = workers.get("secure");
        final RemoteTensor x = bob.send(Examples.vector(1, 2, 3, 4, 5));
        final RemoteTensor atAlice = x.move(alice);        // bob -> alice, worker to worker
        final int heldByBob = bob.objects().size();
        out.println("moved: " + atAlice + "; bob holds " + heldByBob);
        final PlainTensor moved = atAlice.get();

        // Each worker's gradient of ((data · w - target)^2).sum() on its own data, for the same weights w.
        final PlainTensor w = new PlainTensor(new float[] {0.5f, 0.5f}, 2, 1);
        final PlainTensor average;
        try (RemoteScope scope = RemoteScope.open()) {
            final RemoteTensor bobGrad = gradient(bob, w, new float[] {1, 1, 0, 1}, new float[] {1, 1});
            final RemoteTensor aliceGrad = gradient(alice, w, new float[] {1, 0, 0, 0}, new float[] {0, 0});
            // Both gradients go to the secure worker, which averages them; only the average leaves it.
            average = bobGrad.move(secure).add(aliceGrad.move(secure)).scale(0.5f).get();
        }
        out.println("average gradient: " + java.util.Arrays.toString(average.data()));
        final float[] next = w.data().clone();
        for (int i = 0; i < next.length; i++) {
            next[i] -= 0.1f * average.data()[i];
        }
        return new Result(moved, heldByBob, average, new PlainTensor(next, 2, 1));
    }

    private static RemoteTensor gradient(final Worker worker, final PlainTensor w, final float[] data,
                                         final float[] target) {
        final RemoteTensor weights = worker.sendParameter(w);
        final RemoteTensor loss = worker.send(new PlainTensor(data, 2, 2)).matmul(weights)
            .sub(worker.send(new PlainTensor(target, 2, 1))).square().sum();
        loss.backward();
        return weights.grad();
    }

    /**
     * Runs the lessons.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        try (Workers workers = Examples.workers(args, "bob", "alice", "secure")) {
            run(workers, System.out);
        }
    }
}
