package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.PrintStream;

/**
 * Tutorial step "Introducing remote arithmetic": {@code z = x + y} computed where x and y are, returning a reference
 * to z there; a chain of operations likewise, each result checked for its shape here before it runs there.
 */
public final class RemoteArithmetic {
    private RemoteArithmetic() {
    }

    /**
     * The results, fetched.
     *
     * @param sum     {@code x + y}
     * @param product {@code (x * y - x) · 2}, summed
     */
    public record Result(PlainTensor sum, PlainTensor product) {
    }

    /** Runs the step on worker {@code bob}. */
    public static Result run(final Workers workers, final PrintStream out) {
        final Worker bob = workers.get("bob");
        try (RemoteTensor x = bob.send(Examples.vector(1, 2, 3, 4, 5));
             RemoteTensor y = bob.send(Examples.vector(1, 1, 1, 1, 1));
             RemoteTensor z = x.add(y)) {
            out.println("z = " + z);
            final PlainTensor sum = z.get();
            out.println("z fetched: " + java.util.Arrays.toString(sum.data()));
            try (RemoteScope chain = RemoteScope.open()) {     // releases the chain's intermediate results
                final PlainTensor product = x.mul(y).sub(x).scale(2f).sum().get();
                out.println("sum((x * y - x) * 2) = " + product.data()[0]);
                return new Result(sum, product);
            }
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
