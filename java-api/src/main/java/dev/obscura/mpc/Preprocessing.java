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

    /** How many prefetched items have not been used yet. */
    int pending();

    /** An opaque, ordered list of correlated-randomness requests. */
    interface Plan {
        /** Number of requests. */
        int size();
    }
}
