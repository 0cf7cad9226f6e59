package dev.obscura.network.rpc;

import java.util.Objects;

/**
 * A call could not be answered: its {@link #reason()} says what kind of failure, its message names the service and
 * the request (never a payload).
 */
public final class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** No answer within the call's time-out. */
        TIMEOUT,
        /** The connection ended (the service died, closed, or the network failed), or could not be made. */
        DISCONNECTED,
        /** The service does not serve this caller (its certificate's name is not among the service's callers). */
        REFUSED,
        /** The service ran the request and it failed there; the message is the service's. */
        REMOTE,
        /** A peer broke the protocol (a malformed or oversized frame). */
        PROTOCOL,
        /** The client was closed by its owner. */
        CLOSED
    }

    private final Reason reason;

    /** A failure of {@code reason} described by {@code message}. */
    public RpcException(final Reason reason, final String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** A failure of {@code reason} described by {@code message}, caused by {@code cause}. */
    public RpcException(final Reason reason, final String message, final Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** What kind of failure this is. */
    public Reason reason() {
        return reason;
    }
}
