package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.PrintStream;

/**
 * Tutorial project "Learn a simple linear model": the data, the target and the weights all at worker bob; ten
 * steps of gradient descent with nothing but tensor operations and {@code backward()}, each run there:
 * {@code pred = input · weights; loss = ((pred - target)^2).sum(); loss.backward(); weights -= 0.1 grad}. Only the
 * loss of each step comes back. The losses are the tutorial's: 2.0, 0.56, 0.2432, ... 0.0090.
 */
public final class LinearModelOnRemoteWorker {
    private LinearModelOnRemoteWorker() {
    }

    /** Runs the project on worker {@code bob}; returns the ten losses. */
    public static float[] run(final Workers workers, final PrintStream out) {
        final Worker bob = workers.get("bob");
        try (RemoteTensor input = bob.send(new PlainTensor(new float[] {1, 1, 0, 1, 1, 0, 0, 0}, 4, 2));
             RemoteTensor target = bob.send(new PlainTensor(new float[] {1, 1, 0, 0}, 4, 1));
             RemoteTensor weights = bob.sendParameter(new PlainTensor(new float[] {0, 0}, 2, 1))) {
            final float[] losses = new float[10];
            for (int i = 0; i < losses.length; i++) {
                try (RemoteScope step = RemoteScope.open()) {  // the step's intermediate tensors go with it
                    final RemoteTensor loss = input.matmul(weights).sub(target).square().sum();
                    loss.backward();
                    weights.subInPlace(weights.grad().scale(0.1f));
                    weights.zeroGrad();
                    losses[i] = loss.get().data()[0];
                    out.printf("loss %.4f%n", losses[i]);
                }
            }
            return losses;
        }
    }

    /**
     * Runs the project.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        try (Workers workers = Examples.workers(args, "bob")) {
            run(workers, System.out);
        }
    }
}
