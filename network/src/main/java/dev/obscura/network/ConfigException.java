package dev.obscura.network;

/**
 * A network configuration file could not be used: its message names the file and, where there is one, the line
 * ({@code network.conf:7: unknown key 'partie.1'}).
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A configuration error with {@code message}, which names the file (and line). */
    public ConfigException(final String message) {
        super(message);
    }

    /** A configuration error with {@code message} caused by {@code cause}. */
    public ConfigException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
