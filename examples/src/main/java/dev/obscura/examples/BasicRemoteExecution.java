package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.PrintStream;

/**
 * Tutorial step "Basic remote execution": a worker, a tensor sent to it, the reference to it (its worker and its
 * id there, never its values), the worker's objects, and {@code get}, after which the worker no longer holds it.
 */
public final class BasicRemoteExecution {
    private BasicRemoteExecution() {
    }

    /**
     * What the worker held at each step.
     *
     * @param before  objects before anything was sent
     * @param sent    objects after two tensors were sent
     * @param after   objects after both were fetched
     * @param fetched the first tensor, back here
     */
    public record Result(int before, int sent, int after, PlainTensor fetched) {
    }

    /** Runs the step on worker {@code bob} of {@code workers}. */
    public static Result run(final Workers workers, final PrintStream out) {
        final Worker bob = workers.get("bob");
        final int before = bob.objects().size();
        out.println("bob holds: " + bob.objects());
        final RemoteTensor x = bob.send(Examples.vector(1, 2, 3, 4, 5));
        final RemoteTensor y = bob.send(Examples.vector(1, 1, 1, 1, 1));
        out.println("x = " + x + ", y = " + y);           // references: worker, id, shape; no values
        out.println("x lives at " + x.worker().name() + " under id " + x.id());
        final int sent = bob.objects().size();
        out.println("bob holds: " + bob.objects());
        final PlainTensor back = x.get();
        y.get();
        out.println("x fetched: " + java.util.Arrays.toString(back.data()));
        final int after = bob.objects().size();
        out.println("bob holds: " + bob.objects());
        return new Result(before, sent, after, back);
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
