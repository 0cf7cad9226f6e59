package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import java.io.PrintStream;

/**
 * Tutorial lesson "Garbage collection and common errors": a reference owns its tensor at the worker, so closing
 * it ({@code del x}) or letting the garbage collector take it ({@code x = "asdf"}) releases the tensor there; a loop
 * of a thousand sends leaves one tensor. And the common errors, each refused with a message: an operation on
 * tensors at two workers, and a reference used after its tensor was fetched. (Adding a reference to a local tensor,
 * the tutorial's first error, does not compile in Java: {@code RemoteTensor.add} takes a {@code RemoteTensor}.)
 */
public final class GarbageCollection {
    /** The longest the example waits for the garbage collector. */
    private static final long GC_WAIT_MILLIS = 20_000;

    private GarbageCollection() {
    }

    /**
     * What bob held (beyond what it held when the lesson began), and the errors' messages.
     *
     * @param afterClose     objects after {@code close()}
     * @param afterCollected objects after the garbage collector took a dropped reference
     * @param afterLoop      objects after a thousand sends to one variable
     * @param twoWorkers     the error of an operation on tensors at bob and alice
     * @param usedAfterGet   the error of a reference used after {@code get}
     */
    public record Result(int afterClose, int afterCollected, int afterLoop, String twoWorkers, String usedAfterGet) {
    }

    /** Runs the lesson on workers {@code bob} and {@code alice}. */
    public static Result run(final Workers workers, final PrintStream out) throws InterruptedException {
        final Worker bob = workers.get("bob");
        final int start = bob.objects().size();
        final RemoteTensor x = bob.send(Examples.vector(1, 2, 3, 4, 5));
        out.println("after send: bob holds " + bob.objects().size());
        x.close();                                              // del x
        final int afterClose = bob.objects().size() - start;
        out.println("after close: bob holds " + afterClose);

        RemoteTensor y = bob.send(Examples.vector(1, 2, 3, 4, 5));
        out.println("after send: bob holds " + bob.objects().size() + " (" + y + ")");
        y = null;                                               // x = "asdf": the reference is dropped
        final int afterCollected = awaitCollected(bob, start) - start;
        out.println("after the collector: bob holds " + afterCollected);

        RemoteTensor z = null;
        for (int i = 0; i < 1000; i++) {
            z = bob.send(Examples.vector(1, 2, 3, 4, 5));       // each earlier z is dropped, then collected
        }
        final int afterLoop = awaitCollected(bob, start + 1) - start;
        out.println("after a thousand sends: bob holds " + afterLoop + " (" + z + ")");

        final RemoteTensor atBob = bob.send(Examples.vector(1, 2, 3, 4, 5));
        final RemoteTensor atAlice = workers.get("alice").send(Examples.vector(1, 1, 1, 1, 1));
        String twoWorkers = null;
        try {
            atBob.add(atAlice);
        } catch (IllegalArgumentException e) {
            twoWorkers = e.getMessage();
            out.println("error: " + twoWorkers);
        }
        atBob.get();
        String usedAfterGet = null;
        try {
            atBob.add(atBob);
        } catch (IllegalStateException e) {
            usedAfterGet = e.getMessage();
            out.println("error: " + usedAfterGet);
        }
        atAlice.close();
        z.close();
        return new Result(afterClose, afterCollected, afterLoop, twoWorkers, usedAfterGet);
    }

    /** Runs the collector until {@code bob} holds {@code expected} objects (or the wait ends); returns the count. */
    private static int awaitCollected(final Worker bob, final int expected) throws InterruptedException {
        final long deadline = System.currentTimeMillis() + GC_WAIT_MILLIS;
        int held = bob.objects().size();
        while (held > expected && System.currentTimeMillis() < deadline) {
            System.gc();
            Thread.sleep(20);
            held = bob.objects().size();   // the releases travel with this request
        }
        return held;
    }

    /**
     * Runs the lesson.
     *
     * @param args see {@link Examples}
     * @throws InterruptedException when interrupted while waiting for the collector
     */
    public static void main(final String[] args) throws InterruptedException {
        try (Workers workers = Examples.workers(args, "bob", "alice")) {
            run(workers, System.out);
        }
    }
}
