package dev.obscura.federated.worker;

import java.util.Objects;

/**
 * A request to a worker failed there, or the worker could not be reached: {@link #kind()} says which, the message
 * names the worker and says why (never a tensor's values).
 */
public final class WorkerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The worker refused or failed the request (an unknown object, a wrong shape, a protocol failure there). */
        FAILED,
        /** The worker did not answer within the time-out. */
        TIMEOUT,
        /** The worker is gone: stopped, died, disconnected, or it refuses this caller. */
        UNREACHABLE
    }

    private final String worker;
    private final Kind kind;

    /** A failure of {@code kind} at {@code worker}. */
    public WorkerException(final String worker, final Kind kind, final String message, final Throwable cause) {
        super(message, cause);
        this.worker = Objects.requireNonNull(worker, "worker");
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** The worker's name. */
    public String worker() {
        return worker;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }
}
