package dev.obscura.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads the certificates and keys that the configuration names ({@code tls.ca}, {@code tls.certificate},
 * {@code tls.key}) as Java objects, for what signs and checks outside TLS: the dealer's preprocessing files. Every
 * problem is a {@link ConfigException} naming the configuration, the file and the setting.
 */
final class PemFiles {
    private PemFiles() {
    }

    /** The configuration's CA certificate ({@code tls.ca}). */
    static X509Certificate authority(final NetworkConfig config) {
        return certificate(config, config.caFile(), "tls.ca");
    }

    /** The certificate of {@code endpoint} ({@code tls.certificate}). */
    static X509Certificate certificate(final NetworkConfig config, final NetworkConfig.Endpoint endpoint) {
        return certificate(config, config.certificateFile(endpoint), "tls.certificate of " + endpoint.name());
    }

    /** The private key of {@code endpoint} ({@code tls.key}, PKCS#8 PEM). */
    static PrivateKey privateKey(final NetworkConfig config, final NetworkConfig.Endpoint endpoint) {
        final Path file = config.keyFile(endpoint);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser pem = new PEMParser(in)) {
            final Object o = pem.readObject();
            if (!(o instanceof PrivateKeyInfo info)) {
                throw new ConfigException(config.source() + ": " + file + " (tls.key of " + endpoint.name()
                    + ") is not a PKCS#8 private key in PEM");
            }
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException e) {
            throw new ConfigException(config.source() + ": cannot read " + file + " (tls.key of " + endpoint.name()
                + "): " + e.getMessage(), e);
        }
    }

    private static X509Certificate certificate(final NetworkConfig config, final Path file, final String setting) {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new ConfigException(config.source() + ": cannot read the certificate " + file + " (" + setting
                + "): " + e.getMessage(), e);
        }
    }
}
