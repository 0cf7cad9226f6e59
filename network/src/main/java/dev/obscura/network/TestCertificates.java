package dev.obscura.network;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Makes a certificate authority and one certificate and key per endpoint, for a local trial of the TCP transport
 * ({@code obscura certs}): ECDSA P-256 keys, each endpoint certificate named by its endpoint ({@code CN=party-0},
 * {@code CN=dealer}) with its host as subject alternative name, good for both TLS client and server. The CA's
 * private key is used once and never written, so nobody can issue more certificates under it.
 *
 * <p>Files: {@code ca.crt}, and per endpoint {@code NAME.crt} and {@code NAME.key} (PKCS#8 PEM, readable by the
 * owner only), which match {@code tls.certificate = DIR/{name}.crt} and {@code tls.key = DIR/{name}.key}. Existing
 * files are not overwritten.
 */
public final class TestCertificates {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final String SIGNATURE = "SHA256withECDSA";

    private TestCertificates() {
    }

    /**
     * Writes {@code ca.crt} and a certificate and key for each endpoint of {@code config} into {@code dir}
     * (created if missing), valid for {@code validity}; returns the files written.
     */
    public static List<Path> write(final NetworkConfig config, final Path dir, final Duration validity) {
        final List<String> names = new ArrayList<>();
        final List<String> hosts = new ArrayList<>();
        for (final NetworkConfig.Endpoint e : config.endpoints()) {
            names.add(e.name());
            hosts.add(e.host());
        }
        return write(names, hosts, dir, validity);
    }

    /**
     * Writes {@code ca.crt} and, for each name, {@code NAME.crt} and {@code NAME.key} into {@code dir}; the certificate
     * of {@code names[i]} carries {@code hosts[i]} as subject alternative name. Returns the files written.
     */
    public static List<Path> write(final List<String> names, final List<String> hosts, final Path dir,
                                   final Duration validity) {
        if (names.size() != hosts.size() || names.isEmpty()) {
            throw new IllegalArgumentException("one host per name is needed, names=" + names.size() + ", hosts="
                + hosts.size());
        }
        for (final String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("an endpoint name is lower-case letters, digits and '-', name='"
                    + Untrusted.quote(name) + "'");
            }
        }
        try {
            Files.createDirectories(dir);
            final SecureRandom random = new SecureRandom();
            final Instant now = Instant.now();
            final KeyPair caKeys = keyPair(random);
            final X500Name caName = new X500Name("CN=obscura-test-ca");
            final X509Certificate ca = certificate(caName, caName, caKeys, caKeys.getPrivate(), now, validity,
                random, true, null);
            final List<Path> written = new ArrayList<>();
            written.add(writeNew(dir.resolve("ca.crt"), pem(ca), false));
            for (int i = 0; i < names.size(); i++) {
                final KeyPair keys = keyPair(random);
                final X509Certificate cert = certificate(new X500Name("CN=" + names.get(i)), caName, keys,
                    caKeys.getPrivate(), now, validity, random, false, hosts.get(i));
                written.add(writeNew(dir.resolve(names.get(i) + ".crt"), pem(cert), false));
                written.add(writeNew(dir.resolve(names.get(i) + ".key"),
                    pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())), true));
            }
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test certificates, dir=" + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the test certificates: " + e.getMessage(), e);
        }
    }

    private static KeyPair keyPair(final SecureRandom random) throws GeneralSecurityException {
        final KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(final X500Name subject, final X500Name issuer, final KeyPair keys,
                                               final PrivateKey signer, final Instant now, final Duration validity,
                                               final SecureRandom random, final boolean authority, final String host)
        throws GeneralSecurityException, OperatorCreationException, CertIOException {
        final X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, random).abs()
            .add(BigInteger.ONE), Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)),
            subject, keys.getPublic());
        final JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
        if (authority) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternativeName(host)));
        }
        final ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer);
        return new JcaX509CertificateConverter().getCertificate(b.build(contentSigner));
    }

    private static GeneralName alternativeName(final String host) {
        final boolean ip = host.indexOf(':') >= 0 || host.matches("[0-9.]+");
        if (ip) {
            try {
                return new GeneralName(GeneralName.iPAddress, InetAddress.getByName(host).getHostAddress());
            } catch (IOException e) {
                throw new IllegalArgumentException("not an address, host='" + Untrusted.quote(host) + "'", e);
            }
        }
        return new GeneralName(GeneralName.dNSName, host);
    }

    private static String pem(final Object o) throws IOException {
        final StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }

    private static Path writeNew(final Path file, final String text, final boolean secret) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists; remove it or choose another"
                + " directory");
        }
        // A key file is created readable by its owner only before anything is written to it.
        if (secret && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        return file;
    }
}
