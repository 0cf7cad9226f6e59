package dev.obscura.mpc;

/**
 * Separates the offline phase (obtaining correlated randomness) from the online phase (computing on shares), for
 * suites that use preprocessing. Typical use: run the computation once while recording, then {@link #prefetch} the
 * recorded plan (as many times as the computation will run), then run online with no dealer traffic.
 *
 * <pre>{@code
 * pre.startRecording();
 * model.forward(ops, batch);            // dry run: records what it needs
 * Preprocessing.Plan plan = pre.stopRecording();
 * pre.prefetch(plan);                   // offline phase
 * model.forward(ops, batch);            // online phase, served from memory
 * }</pre>
 */
public interface Preprocessing {

    /** Starts recording the correlated randomness that operations ask for. */
    void startRecording();

    /** Stops recording; returns what was asked for, in order. */
    Plan stopRecording();

    /** Obtains everything {@code plan} lists now, so that the same operations later run online only. */
    void prefetch(Plan plan);

    /** How many prefetched items have not been used yet (by {@link #prefetch} and by a background filler). */
    int pending();

    /**
     * Starts a thread that keeps up to {@code depth} runs of {@code plan} ready, fetching the next run whenever fewer
     * wait, so that the online phase does not wait for the offline one while the pool is not empty (a service that
     * runs one computation again and again). From this call on the party's own thread no longer obtains correlated
     * randomness itself: every later operation is served from the pool, in order, waiting for the filler at most the
     * transport's time-out, and fails clearly if the filler failed. Every party starts its filler at the same point
     * of the program with the same plan and depth. Close the returned handle (on the party's thread, before the
     * session) to stop the filler and release what it fetched.
     *
     * @throws UnsupportedOperationException when the suite's preprocessing cannot be filled in the background
     */
    default Filler fillInBackground(Plan plan, int depth) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot fill in the background");
    }

    /** A running background filler (see {@link #fillInBackground}). */
    interface Filler extends AutoCloseable {
        /** Whole runs of the plan ready now: the pool depth. */
        int depth();

        /** Stops the filler and releases what it fetched and nobody used. Idempotent. */
        @Override
        void close();
    }

    /** An opaque, ordered list of correlated-randomness requests. */
    interface Plan {
        /** Number of requests. */
        int size();
    }
}
