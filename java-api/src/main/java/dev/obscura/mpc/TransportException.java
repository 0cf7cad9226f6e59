package dev.obscura.mpc;

/**
 * A message could not be exchanged: a time-out, a peer that failed or disconnected, or a frame that does not match
 * what the protocol expects. Messages carry facts (endpoint ids, lengths, durations), never message contents.
 */
public final class TransportException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the exchange failed. */
    public enum Reason {
        /** Nothing arrived within the transport's time-out. */
        TIMEOUT,
        /** The peer closed its endpoint (normal at the end of a session). */
        CLOSED,
        /** Another party failed, or the network was shut down. */
        FAILED,
        /** A frame did not match what the protocol expects (wrong size or content). */
        PROTOCOL
    }

    private final Reason reason;

    public TransportException(final Reason reason, final String message) {
        super(message);
        this.reason = reason;
    }

    public TransportException(final Reason reason, final String message, final Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the exchange failed. */
    public Reason reason() {
        return reason;
    }
}
