package dev.obscura.protocols.dealer;

import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CERTIFICATE_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.COMPUTATION_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CONFIG_DIGEST_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CORRECTIONS_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CREATED_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.DIGEST_BYTES;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.HEADER_BYTES;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.PARTIES_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.PARTY_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.PLAN_DIGEST_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.REQUESTS_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.RUN_ID_BYTES;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.RUN_ID_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.SEED_BYTES;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.SIGNATURE_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.VERSION_OFFSET;

import dev.obscura.protocols.dealer.PreprocessingFileException.Reason;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import dev.obscura.text.UntrustedText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * One party's preprocessing file, opened for use ({@link PreprocessingFileDescriptor} is the layout). {@link #open}
 * refuses the file, with a {@link PreprocessingFileException} that names the file and the reason, unless all of
 * these hold, checked in this order before anything of it is used:
 *
 * <ol>
 *   <li>it is a preprocessing file of this version, and exactly as long as its header says (not cut off);</li>
 *   <li>its certificate was issued by the deployment's CA to the dealer (common name = the dealer's endpoint name)
 *       and is valid now, and the signature over the file verifies with it (nothing was altered);</li>
 *   <li>it is this party's file, for this deployment's configuration and number of parties;</li>
 *   <li>it serves this computation: the party's computation name and the file's agree, and the file's plan digest
 *       is the digest of the plan it holds;</li>
 *   <li>it was not used before: {@link #claim()} creates {@code FILE.used} (atomically), and a file whose marker
 *       exists is refused, because correlated randomness used for two computations reveals their inputs. A claimed
 *       file counts as used even if the run then fails: it is never served twice.</li>
 * </ol>
 *
 * <p>{@link #open} makes every check; {@link #check} all but the claim, which the caller makes later.
 *
 * <p>Then the party's {@link DealerClient#fromFile} serves the computation from it: every request is checked
 * against the file's plan as it is taken, and the last party reads its corrections in order. The parties check that
 * they all hold files of one run ({@link #runId()}) before they compute.
 *
 * <p>Not thread-safe: one party's thread uses it. Close it when the computation ends.
 */
public final class PreprocessingFile implements AutoCloseable {
    /** What this party expects of its file. */
    public record Expected(int party, int parties, byte[] configDigest, String computation,
                           X509Certificate authority, String dealerName) {
        /** Checks the parts. */
        public Expected {
            Objects.requireNonNull(configDigest, "configDigest");
            Objects.requireNonNull(computation, "computation");
            Objects.requireNonNull(authority, "authority");
            Objects.requireNonNull(dealerName, "dealerName");
            configDigest = configDigest.clone();
        }
    }

    private static final int CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final int party;
    private final byte[] runId;
    private final PreprocessingPlan plan;
    private final Seed seed;
    private final long correctionsEnd;
    private final ByteBuffer chunk;
    private long position;
    private boolean claimed;

    private PreprocessingFile(final Path file, final FileChannel channel, final int party, final byte[] runId,
                              final PreprocessingPlan plan, final Seed seed, final long correctionsStart,
                              final long correctionsEnd) {
        this.file = file;
        this.channel = channel;
        this.party = party;
        this.runId = runId;
        this.plan = plan;
        this.seed = seed;
        this.position = correctionsStart;
        this.correctionsEnd = correctionsEnd;
        this.chunk = correctionsEnd > correctionsStart ? ByteBuffer.allocateDirect(CHUNK_BYTES) : null;
    }

    /**
     * Opens {@code file} for the party that {@code expected} describes, after every check of the class comment,
     * and marks it used.
     *
     * @throws PreprocessingFileException naming the file and the failed check
     * @throws UncheckedIOException       when the file cannot be read
     */
    public static PreprocessingFile open(final Path file, final Expected expected) {
        final PreprocessingFile checked = check(file, expected);
        checked.claim();
        return checked;
    }

    /**
     * Opens {@code file} and makes every check of the class comment except the last: the file is not marked used
     * yet, and serves nothing until {@link #claim()} (a runner checks its file before it connects, and claims it
     * once its peers are there).
     *
     * @throws PreprocessingFileException naming the file and the failed check
     * @throws UncheckedIOException       when the file cannot be read
     */
    public static PreprocessingFile check(final Path file, final Expected expected) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            return verify(file, channel, expected);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot read the preprocessing file " + UntrustedText.quote(file, 1000), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static PreprocessingFile verify(final Path file, final FileChannel channel, final Expected expected)
        throws IOException {
        final long size = channel.size();
        final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (size < HEADER_BYTES || readFully(channel, header, 0) < HEADER_BYTES
            || !Arrays.equals(Arrays.copyOf(header.array(), 8), PreprocessingFileDescriptor.MAGIC)) {
            throw refuse(Reason.MALFORMED, file, "not a preprocessing file (written by obscura dealer --out)");
        }
        final int version = Short.toUnsignedInt(header.getShort(VERSION_OFFSET));
        if (version != PreprocessingFileDescriptor.VERSION) {
            throw refuse(Reason.MALFORMED, file, "format version " + version + " is not supported, expected "
                + PreprocessingFileDescriptor.VERSION);
        }
        final long computationBytes = Integer.toUnsignedLong(header.getInt(COMPUTATION_LENGTH_OFFSET));
        final long requestBytes = Integer.toUnsignedLong(header.getInt(REQUESTS_LENGTH_OFFSET));
        final long correctionBytes = header.getLong(CORRECTIONS_LENGTH_OFFSET);
        final long certificateBytes = Integer.toUnsignedLong(header.getInt(CERTIFICATE_LENGTH_OFFSET));
        final long signatureBytes = Integer.toUnsignedLong(header.getInt(SIGNATURE_LENGTH_OFFSET));
        if (computationBytes < 1 || computationBytes > PreprocessingPlan.MAX_COMPUTATION_BYTES
            || requestBytes > PreprocessingPlan.MAX_REQUESTS_BYTES || correctionBytes < 0
            || correctionBytes > PreprocessingFileDescriptor.MAX_CORRECTIONS_BYTES || correctionBytes % Long.BYTES != 0
            || certificateBytes < 1 || certificateBytes > PreprocessingFileDescriptor.MAX_CERTIFICATE_BYTES
            || signatureBytes < 1 || signatureBytes > PreprocessingFileDescriptor.MAX_SIGNATURE_BYTES) {
            throw refuse(Reason.MALFORMED, file, "a section has an impossible length, computation=" + computationBytes
                + ", requests=" + requestBytes + ", corrections=" + correctionBytes + ", certificate="
                + certificateBytes + ", signature=" + signatureBytes);
        }
        final long expectedSize = PreprocessingFileDescriptor.fileLength(computationBytes, requestBytes,
            correctionBytes, certificateBytes, signatureBytes);
        if (size != expectedSize) {
            throw refuse(Reason.TRUNCATED, file, (size < expectedSize ? "cut off" : "longer than its header says")
                + ": bytes=" + size + ", expected=" + expectedSize);
        }
        final long certificateAt = PreprocessingFileDescriptor.certificateOffset(computationBytes, requestBytes,
            correctionBytes);
        final long signatureAt = certificateAt + certificateBytes;
        final X509Certificate dealer = dealerCertificate(file, read(channel, certificateAt, (int) certificateBytes),
            expected);
        checkSignature(file, channel, dealer, signatureAt, read(channel, signatureAt, (int) signatureBytes));

        // Authentic from here on: the header and sections are the dealer's.
        final int party = Short.toUnsignedInt(header.getShort(PARTY_OFFSET));
        final int parties = Short.toUnsignedInt(header.getShort(PARTIES_OFFSET));
        if (party != expected.party()) {
            throw refuse(Reason.OTHER_PARTY, file, "it is party " + party + "'s file, this is party "
                + expected.party());
        }
        final byte[] configDigest = Arrays.copyOfRange(header.array(), CONFIG_DIGEST_OFFSET,
            CONFIG_DIGEST_OFFSET + DIGEST_BYTES);
        if (parties != expected.parties() || !MessageDigest.isEqual(configDigest, expected.configDigest())) {
            throw refuse(Reason.OTHER_CONFIGURATION, file, "it was made for another deployment: parties=" + parties
                + ", configuration digest=" + hex(configDigest, 6) + "; here parties=" + expected.parties()
                + ", digest=" + hex(expected.configDigest(), 6));
        }
        final String computation = new String(read(channel, HEADER_BYTES, (int) computationBytes),
            StandardCharsets.UTF_8);
        final PreprocessingPlan plan;
        try {
            plan = PreprocessingPlan.fromParts(computation, read(channel,
                PreprocessingFileDescriptor.requestsOffset(computationBytes), (int) requestBytes));
        } catch (IllegalArgumentException e) {
            throw refuse(Reason.MALFORMED, file, e.getMessage());
        }
        final byte[] planDigest = Arrays.copyOfRange(header.array(), PLAN_DIGEST_OFFSET,
            PLAN_DIGEST_OFFSET + DIGEST_BYTES);
        if (!computation.equals(expected.computation()) || !MessageDigest.isEqual(planDigest, plan.digest())) {
            throw refuse(Reason.OTHER_COMPUTATION, file, "it serves the computation " + UntrustedText.quote(computation,
                PreprocessingPlan.MAX_COMPUTATION_BYTES) + " (plan " + hex(planDigest, 6) + "), this party runs "
                + UntrustedText.quote(expected.computation(), PreprocessingPlan.MAX_COMPUTATION_BYTES));
        }
        final byte[] seedBytes = read(channel, PreprocessingFileDescriptor.seedOffset(computationBytes, requestBytes),
            SEED_BYTES);
        final Seed seed = Seed.consume(seedBytes);
        final long correctionsAt = PreprocessingFileDescriptor.correctionsOffset(computationBytes, requestBytes);
        final byte[] runId = Arrays.copyOfRange(header.array(), RUN_ID_OFFSET, RUN_ID_OFFSET + RUN_ID_BYTES);
        final long created = header.getLong(CREATED_OFFSET);
        if (created > System.currentTimeMillis() + 86_400_000L) {
            throw refuse(Reason.MALFORMED, file, "it was made in the future, created=" + Instant.ofEpochMilli(created));
        }
        return new PreprocessingFile(file, channel, party, runId, plan, seed, correctionsAt,
            correctionsAt + correctionBytes);
    }

    private static X509Certificate dealerCertificate(final Path file, final byte[] der, final Expected expected) {
        final X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw refuse(Reason.NOT_AUTHENTIC, file, "its certificate cannot be read: " + e.getMessage());
        }
        try {
            cert.verify(expected.authority().getPublicKey());
            cert.checkValidity();
        } catch (GeneralSecurityException e) {
            throw refuse(Reason.NOT_AUTHENTIC, file, "its certificate was not issued by the deployment's CA, or is"
                + " not valid now: " + e.getMessage());
        }
        final String name = commonName(cert);
        if (!expected.dealerName().equals(name)) {
            throw refuse(Reason.NOT_AUTHENTIC, file, "its certificate names " + UntrustedText.quote(name)
                + ", not the dealer's endpoint " + expected.dealerName());
        }
        return cert;
    }

    private static void checkSignature(final Path file, final FileChannel channel, final X509Certificate dealer,
                                       final long signedBytes, final byte[] signature) throws IOException {
        try {
            final Signature verifier = Signature.getInstance(
                PreprocessingFileDescriptor.signatureAlgorithm(dealer.getPublicKey().getAlgorithm()));
            verifier.initVerify(dealer.getPublicKey());
            final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
            for (long at = 0; at < signedBytes; ) {
                chunk.clear().limit((int) Math.min(CHUNK_BYTES, signedBytes - at));
                final int n = readFully(channel, chunk, at);
                if (n <= 0) {
                    throw refuse(Reason.TRUNCATED, file, "cut off while it was read, at byte " + at);
                }
                chunk.flip();
                verifier.update(chunk);
                at += n;
            }
            wipe(chunk);
            if (!verifier.verify(signature)) {
                throw refuse(Reason.NOT_AUTHENTIC, file, "its signature does not verify: it was altered after the"
                    + " dealer signed it");
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw refuse(Reason.NOT_AUTHENTIC, file, "its signature cannot be checked: " + e.getMessage());
        }
    }

    /**
     * Marks the file used ({@code FILE.used}, created atomically), the last check before it serves: a file already
     * marked is refused (and closed). Idempotent.
     *
     * @throws PreprocessingFileException (OLD_RUN) when the file was used before
     */
    public void claim() {
        if (claimed) {
            return;
        }
        final Path marker = usedMarker(file);
        try {
            Files.writeString(marker, "run=" + runIdHex() + " party=" + party + " used=" + Instant.now() + "\n",
                StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            close();
            throw refuse(Reason.OLD_RUN, file, "it was used before (" + marker.getFileName() + " exists): correlated"
                + " randomness used for two computations reveals their inputs; ask the dealer for a new run");
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot mark the preprocessing file used: " + marker, e);
        }
        claimed = true;
    }

    /** Whether {@link #claim()} marked the file used, so that it may serve. */
    public boolean claimed() {
        return claimed;
    }

    /** The marker that says {@code file} was used: {@code FILE.used} beside it. */
    public static Path usedMarker(final Path file) {
        return file.resolveSibling(file.getFileName() + ".used");
    }

    /** The party this file is for. */
    public int party() {
        return party;
    }

    /** The run's id (a copy): every party's file of one run carries the same. */
    public byte[] runId() {
        return runId.clone();
    }

    /** The run's id in hexadecimal. */
    public String runIdHex() {
        return HexFormat.of().formatHex(runId);
    }

    /** The plan this file serves. */
    public PreprocessingPlan plan() {
        return plan;
    }

    /** Where the file is. */
    public Path path() {
        return file;
    }

    /** The seed of this party's dealer PRG. */
    Seed seed() {
        return seed;
    }

    /** Bytes of corrections not read yet. */
    public long correctionsLeft() {
        return correctionsEnd - position;
    }

    /**
     * Reads the next correction into {@code share} (its whole size).
     *
     * @throws PreprocessingFileException (EXHAUSTED) when fewer bytes are left than it needs
     */
    void readCorrection(final RingTensor share) {
        final long bytes = share.numel() * Long.BYTES;
        if (bytes > correctionsLeft()) {
            throw refuse(Reason.EXHAUSTED, file, "the computation needs " + bytes + " bytes of corrections, the file"
                + " has " + correctionsLeft() + " left: it serves another computation");
        }
        try {
            for (long at = 0; at < bytes; ) {
                final int n = (int) Math.min(CHUNK_BYTES, bytes - at);
                chunk.clear().limit(n);
                if (readFully(channel, chunk, position) != n) {
                    throw refuse(Reason.TRUNCATED, file, "cut off while it was read, at byte " + position);
                }
                share.buffer().putBytes((int) at, chunk, 0, n);
                position += n;
                at += n;
            }
            wipe(chunk);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the preprocessing file " + UntrustedText.quote(file, 1000), e);
        }
    }

    /** Closes the file and destroys the seed it held (see {@link Seed#destroy()}). Idempotent. */
    @Override
    public void close() {
        closeQuietly(channel);
        seed.destroy();
    }

    @Override
    public String toString() {
        return "PreprocessingFile[" + file.getFileName() + ", party=" + party + ", run=" + runIdHex().substring(0, 12)
            + ", " + plan + "]";
    }

    static PreprocessingFileException refuse(final Reason reason, final Path file, final String what) {
        return new PreprocessingFileException(reason, "preprocessing file " + UntrustedText.quote(file, 1000)
            + " refused: " + what);
    }

    private static byte[] read(final FileChannel channel, final long at, final int n) throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(n);
        if (readFully(channel, b, at) != n) {
            throw new IOException("unexpected end of file at byte " + (at + b.position()));
        }
        return b.array();
    }

    private static int readFully(final FileChannel channel, final ByteBuffer into, final long at) throws IOException {
        int total = 0;
        while (into.hasRemaining()) {
            final int n = channel.read(into, at + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static void wipe(final ByteBuffer b) {
        b.clear();
        for (int i = 0; i < b.capacity(); i += Long.BYTES) {
            b.putLong(i, 0);
        }
    }

    private static String commonName(final X509Certificate cert) {
        try {
            for (final Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    private static String hex(final byte[] bytes, final int n) {
        return HexFormat.of().formatHex(bytes, 0, Math.min(n, bytes.length));
    }

    private static void closeQuietly(final FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
