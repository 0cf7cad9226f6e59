package dev.obscura.client;

/** A request the compute parties refused, failed or did not answer in time; the message names the party and why. */
public final class ObscuraClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public ObscuraClientException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
