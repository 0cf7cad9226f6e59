package dev.obscura.network;

/**
 * An endpoint run by {@link EndpointRuntime} failed, or stopped because another one failed. The message is one line
 * that names this endpoint and, where another one failed first, that one and its reason: {@code "party 1 failed:
 * ..."} or {@code "party 0 stopped: endpoint 1 (party-1) failed: party 1 failed: ..."}. The cause is the original
 * exception.
 */
public final class EndpointFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int endpoint;

    /** The failure of endpoint {@code endpoint}, described by {@code message}, caused by {@code cause}. */
    public EndpointFailedException(final int endpoint, final String message, final Throwable cause) {
        super(message, cause);
        this.endpoint = endpoint;
    }

    /** The id of the endpoint that reports the failure (this process's). */
    public int endpoint() {
        return endpoint;
    }
}
