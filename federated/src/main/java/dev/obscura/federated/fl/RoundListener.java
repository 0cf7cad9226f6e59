package dev.obscura.federated.fl;

/** Told what a run of federated averaging does, round by round: for progress displays and logs. */
public interface RoundListener {
    /** Hears nothing. */
    RoundListener NONE = new RoundListener() {
    };

    /** Round {@code round} sends the model to {@code clients} clients, who hold {@code samples} images together. */
    default void roundStarted(final int round, final int clients, final long samples) {
    }

    /** A client finished its local training on {@code samples} images. */
    default void clientTrained(final String client, final int samples) {
    }

    /** A client was dropped from the round, for {@code reason}. */
    default void clientDropped(final int round, final String client, final String reason) {
    }

    /** The round is done. */
    default void roundDone(final RoundReport report) {
    }
}
