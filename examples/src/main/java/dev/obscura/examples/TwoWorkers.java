package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteTensors;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.PrintStream;
import java.util.List;

/**
 * Tutorial project "Playing with remote tensors": one tensor sent to two workers at once, both copies fetched, then
 * sent again and fetched as their sum.
 */
public final class TwoWorkers {
    private TwoWorkers() {
    }

    /**
     * What came back.
     *
     * @param copies the copy from each worker, in order
     * @param sum    the copies added up
     */
    public record Result(List<PlainTensor> copies, PlainTensor sum) {
    }

    /** Runs the project on workers {@code bob} and {@code alice}. */
    public static Result run(final Workers workers, final PrintStream out) {
        final PlainTensor x = Examples.vector(1, 2, 3, 4, 5);
        final RemoteTensors both = RemoteTensors.send(x, workers.get("bob"), workers.get("alice"));
        out.println("sent: " + both);
        final List<PlainTensor> copies = both.get();
        copies.forEach(c -> out.println("fetched: " + java.util.Arrays.toString(c.data())));
        final PlainTensor sum = RemoteTensors.send(x, workers.get("bob"), workers.get("alice")).getSum();
        out.println("fetched and summed: " + java.util.Arrays.toString(sum.data()));
        return new Result(copies, sum);
    }

    /**
     * Runs the project.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        try (Workers workers = Examples.workers(args, "bob", "alice")) {
            run(workers, System.out);
        }
    }
}
