package dev.obscura.network;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The TLS side of the transport and of the RPC services ({@code dev.obscura.network.rpc}): mutual authentication,
 * TLS 1.3 only, peers trusted only through the configured certificate authority, and each peer identified by the
 * common name of its certificate (its endpoint or service name), not by its host name. BoringSSL (netty-tcnative) is
 * preferred; {@link TlsProvider#AUTO} falls back to the JDK provider with one log line where it cannot load.
 *
 * <p>Immutable and thread-safe: one instance serves every connection of an endpoint.
 */
public final class Tls {
    private static final System.Logger LOG = System.getLogger(Tls.class.getName());
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
    private static final String TLS_1_3 = "TLSv1.3";

    private final SslContext server;
    private final SslContext client;
    private final SslProvider provider;

    private Tls(final SslContext server, final SslContext client, final SslProvider provider) {
        this.server = server;
        this.client = client;
        this.provider = provider;
    }

    /** Contexts for {@code self} with its certificate and key and the configured CA, on {@code requested}. */
    static Tls create(final NetworkConfig config, final NetworkConfig.Endpoint self, final TlsProvider requested) {
        return forFiles(config.certificateFile(self), config.keyFile(self), config.caFile(), requested,
            config.source(), "endpoint " + self.name());
    }

    /**
     * Server and client contexts for one identity: its {@code certificate} (PEM) and private {@code key} (PKCS#8
     * PEM), trusting only the authority whose certificate is {@code ca}; both sides require the peer's certificate.
     * {@code source} (a configuration file) and {@code who} (the endpoint or service) name them in errors.
     *
     * @throws ConfigException when a file cannot be read or TLS cannot be set up with them
     */
    public static Tls forFiles(final Path certificate, final Path key, final Path ca, final TlsProvider requested,
                               final String source, final String who) {
        final SslProvider provider = provider(requested);
        for (final Path p : new Path[] {certificate, key, ca}) {
            if (!Files.isReadable(p)) {
                throw new ConfigException(source + ": cannot read " + p + " (tls.* of " + who + ")");
            }
        }
        try {
            final SslContext server = SslContextBuilder.forServer(certificate.toFile(), key.toFile())
                .trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE).protocols(TLS_1_3).sslProvider(provider)
                .build();
            final SslContext client = SslContextBuilder.forClient().keyManager(certificate.toFile(), key.toFile())
                .trustManager(ca.toFile()).protocols(TLS_1_3).sslProvider(provider)
                // Peers are identified by their certificate's common name (checked after the handshake), not by
                // the host name they were dialled at.
                .endpointIdentificationAlgorithm(null).build();
            return new Tls(server, client, provider);
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException(source + ": cannot set up TLS for " + who + " (certificate " + certificate
                + ", key " + key + ", CA " + ca + "): " + e.getMessage(), e);
        }
    }

    /** The provider {@code requested} resolves to here. */
    public static SslProvider provider(final TlsProvider requested) {
        return switch (requested) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!openSslUsable()) {
                    throw new IllegalStateException("the OpenSSL (BoringSSL) TLS provider cannot be used here: "
                        + openSslProblem());
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> {
                if (openSslUsable()) {
                    yield SslProvider.OPENSSL;
                }
                if (FALLBACK_LOGGED.compareAndSet(false, true)) {
                    LOG.log(Level.INFO, "TLS: BoringSSL (netty-tcnative) unavailable, using the JDK provider: "
                        + openSslProblem());
                }
                yield SslProvider.JDK;
            }
            case NONE_FOR_MEASUREMENT_ONLY -> throw new IllegalArgumentException("no TLS provider for "
                + requested);
        };
    }

    private static boolean openSslUsable() {
        return OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL);
    }

    private static String openSslProblem() {
        final Throwable cause = OpenSsl.unavailabilityCause();
        if (cause != null) {
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return SslProvider.isTlsv13Supported(SslProvider.OPENSSL) ? "unknown" : "its TLS 1.3 support is missing";
    }

    /** The context of accepted connections: the peer must present a certificate of the CA. */
    public SslContext server() {
        return server;
    }

    /** The context of dialled connections; host names are not checked, the peer's common name is. */
    public SslContext client() {
        return client;
    }

    /** {@code "openssl"} or {@code "jdk"}. */
    public String providerName() {
        return provider == SslProvider.JDK ? "jdk" : "openssl";
    }

    /**
     * The common name of the peer's certificate in {@code session}.
     *
     * @throws SSLPeerUnverifiedException when the peer sent no certificate or one without exactly one common name
     */
    public static String peerName(final SSLSession session) throws SSLPeerUnverifiedException {
        final Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
            throw new SSLPeerUnverifiedException("the peer sent no X.509 certificate");
        }
        final RDN[] cns = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
        if (cns.length != 1) {
            throw new SSLPeerUnverifiedException("the peer's certificate has " + cns.length + " common names");
        }
        return IETFUtils.valueToString(cns[0].getFirst().getValue());
    }
}
