package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.PrintStream;

/**
 * Tutorial step "Torch functions and backpropagation": x and y sent as parameters (they collect gradients),
 * {@code z = (x + y).sum()} and {@code z.backward()} run at the worker, and the gradient is fetched with {@code get}.
 */
public final class RemoteAutograd {
    private RemoteAutograd() {
    }

    /**
     * What came back.
     *
     * @param x     x, fetched
     * @param xGrad the gradient of z with respect to x
     * @param z     z
     */
    public record Result(PlainTensor x, PlainTensor xGrad, float z) {
    }

    /** Runs the step on worker {@code bob}. */
    public static Result run(final Workers workers, final PrintStream out) {
        final Worker bob = workers.get("bob");
        try (RemoteScope scope = RemoteScope.open()) {  // releases x + y, z and the gradient at bob
            final RemoteTensor x = bob.sendParameter(Examples.vector(1, 2, 3, 4, 5));
            final RemoteTensor y = bob.sendParameter(Examples.vector(1, 1, 1, 1, 1));
            final RemoteTensor z = x.add(y).sum();
            z.backward();
            final PlainTensor grad = x.grad().get();
            final PlainTensor back = x.get();
            out.println("x = " + java.util.Arrays.toString(back.data()) + ", x.grad = "
                + java.util.Arrays.toString(grad.data()));
            return new Result(back, grad, z.get().data()[0]);
        }
    }

    /**
     * Runs the step.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        try (Workers workers = Examples.workers(args, "bob")) {
            run(workers, System.out);
        }
    }
}
