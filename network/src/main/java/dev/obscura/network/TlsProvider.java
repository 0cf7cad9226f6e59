package dev.obscura.network;

/** Which TLS implementation a {@link TcpTransport} uses. */
public enum TlsProvider {
    /** BoringSSL where netty-tcnative loads, else the JDK's provider (one log line says so). The default. */
    AUTO,
    /** BoringSSL through netty-tcnative; opening fails where it cannot load. */
    OPENSSL,
    /** The JDK's own TLS (SunJSSE). */
    JDK,
    /**
     * No TLS at all: frames travel in the clear and peers are not authenticated. Only for measuring what TLS costs
     * (the transport benchmark); never chosen by a configuration file, and logged as a warning when used.
     */
    NONE_FOR_MEASUREMENT_ONLY
}
