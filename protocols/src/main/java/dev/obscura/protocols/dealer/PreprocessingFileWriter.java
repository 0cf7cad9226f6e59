package dev.obscura.protocols.dealer;

import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CERTIFICATE_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.COMPUTATION_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CONFIG_DIGEST_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CORRECTIONS_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.CREATED_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.HEADER_BYTES;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.PARTIES_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.PARTY_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.PLAN_DIGEST_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.REQUESTS_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.RUN_ID_BYTES;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.RUN_ID_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.SIGNATURE_LENGTH_OFFSET;
import static dev.obscura.protocols.dealer.PreprocessingFileDescriptor.VERSION_OFFSET;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.random.SeedSource;
import dev.obscura.ring.RingTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The dealer, ahead of time: makes one run of a {@link PreprocessingPlan}'s correlated randomness and writes each
 * party's share of it to a file ({@link PreprocessingFileDescriptor}), signed with the dealer's key. The recipes are
 * the online dealer's ({@link Dealer#seedParties}, {@link DealerSource}): made from the same seeds, the files give
 * what the online dealer gives, bit for bit.
 *
 * <p>Files go to {@code DIR/run-RUNID/party-N.prep}, created readable by their owner only (a file holds its party's
 * dealer seed). Nothing is left behind when writing fails.
 */
public final class PreprocessingFileWriter {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final SecureRandom RUN_IDS = new SecureRandom();

    /**
     * The dealer's signing key and its certificate (the dealer's TLS key and certificate of the deployment).
     *
     * @param key         the private key: EC, Ed25519 or RSA
     * @param certificate the certificate of its public key, issued by the deployment's CA to the dealer
     */
    public record Signer(PrivateKey key, X509Certificate certificate) {
        /** Checks the parts. */
        public Signer {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(certificate, "certificate");
            PreprocessingFileDescriptor.signatureAlgorithm(key.getAlgorithm());
        }

        /** The signature's length in bytes (fixed by the key). */
        int signatureBytes() {
            return switch (key.getAlgorithm()) {
                case "EC" -> 2 * ((((ECKey) key).getParams().getOrder().bitLength() + 7) / 8);
                case "RSA" -> (((RSAKey) key).getModulus().bitLength() + 7) / 8;
                default -> 64;
            };
        }
    }

    /**
     * Where one run was written.
     *
     * @param runId the run's id (hexadecimal)
     * @param files each party's file, by party id
     */
    public record Run(String runId, List<Path> files) {
    }

    private final PreprocessingPlan plan;
    private final CorrelationCatalogue catalogue;
    private final int parties;
    private final byte[] configDigest;
    private final Signer signer;
    private final Backend backend;

    /**
     * A writer of {@code plan}'s runs for {@code parties} parties of the deployment whose configuration digest is
     * {@code configDigest}, decoding requests with {@code catalogue}, signing with {@code signer}.
     */
    public PreprocessingFileWriter(final PreprocessingPlan plan, final CorrelationCatalogue catalogue,
                                   final int parties, final byte[] configDigest, final Signer signer,
                                   final Backend backend) {
        if (parties < 2 || parties > 0xFFFF) {
            throw new IllegalArgumentException("parties must be between 2 and 65535, parties=" + parties);
        }
        if (configDigest.length != PreprocessingFileDescriptor.DIGEST_BYTES) {
            throw new IllegalArgumentException("a configuration digest is 32 bytes, bytes=" + configDigest.length);
        }
        this.plan = plan;
        this.catalogue = catalogue;
        this.parties = parties;
        this.configDigest = configDigest.clone();
        this.signer = signer;
        this.backend = backend;
    }

    /**
     * Makes one run with the dealer's seeds from {@code seeds} and writes every party's file under {@code dir}.
     *
     * @throws UncheckedIOException when a file cannot be written (nothing of the run is left behind)
     */
    public Run write(final Path dir, final SeedSource seeds) {
        final byte[] runId = new byte[RUN_ID_BYTES];
        RUN_IDS.nextBytes(runId);
        final String runHex = HexFormat.of().formatHex(runId);
        final Path runDir = dir.resolve("run-" + runHex.substring(0, 12));
        final byte[][] partySeeds = new byte[parties][];
        final List<Path> written = new ArrayList<>();
        Path corrections = null;
        try {
            Files.createDirectories(runDir);
            corrections = Files.createTempFile(runDir, "corrections", ".tmp", ownerOnly());
            final long correctionBytes;
            try (FileChannel out = FileChannel.open(corrections, StandardOpenOption.WRITE)) {
                correctionBytes = generate(seeds, partySeeds, out);
            }
            for (int p = 0; p < parties; p++) {
                final Path file = runDir.resolve("party-" + p + ".prep");
                written.add(file);
                writeFile(file, p, runId, partySeeds[p], p == parties - 1 ? corrections : null,
                    p == parties - 1 ? correctionBytes : 0);
            }
            Files.delete(corrections);
            return new Run(runHex, List.copyOf(written));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            for (final Path f : written) {
                deleteQuietly(f);
            }
            if (corrections != null) {
                deleteQuietly(corrections);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot write the preprocessing files of run " + runHex + " into "
                    + runDir, io);
            }
            throw new IllegalStateException("cannot sign the preprocessing files: " + e.getMessage(), e);
        } finally {
            for (final byte[] s : partySeeds) {
                if (s != null) {
                    Arrays.fill(s, (byte) 0);
                }
            }
        }
    }

    /** Runs every request's recipe at the dealer; the last party's corrections go to {@code out}. */
    private long generate(final SeedSource seeds, final byte[][] partySeeds, final FileChannel out) {
        final Prg[] prgs = Dealer.seedParties(parties, seeds, backend, (seed, p) -> partySeeds[p] = seed.toBytes());
        final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        final long[] total = new long[1];
        final DealerSource source = new DealerSource(backend, prgs, share -> {
            total[0] += copy(share, chunk, out);
        });
        try {
            for (final Correlation<?> request : plan.decode(catalogue).requests()) {
                try (AutoCloseable ignored = request.generate(source)) {
                    // the dealer's whole values are not kept
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("releasing dealer material failed", e);
                }
            }
        } finally {
            Dealer.destroy(prgs); // the parties' dealer keys are in their files now, and only there
        }
        return total[0];
    }

    /** Writes the elements of {@code share} (8 bytes each, little-endian as in memory) to {@code out}. */
    private static long copy(final RingTensor share, final ByteBuffer chunk, final FileChannel out) {
        final long bytes = share.numel() * Long.BYTES;
        try {
            for (long at = 0; at < bytes; at += CHUNK_BYTES) {
                final int n = (int) Math.min(CHUNK_BYTES, bytes - at);
                chunk.clear().limit(n);
                share.buffer().getBytes((int) at, chunk, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
            final int used = (int) Math.min(bytes, CHUNK_BYTES);
            for (int i = 0; i < used; i++) {
                chunk.put(i, (byte) 0); // the chunk held a share
            }
            chunk.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dealer's corrections", e);
        }
        return bytes;
    }

    private void writeFile(final Path file, final int party, final byte[] runId, final byte[] seed,
                           final Path corrections, final long correctionBytes)
        throws IOException, GeneralSecurityException {
        final byte[] computation = plan.computation().getBytes(StandardCharsets.UTF_8);
        final byte[] requests = plan.encodedRequests();
        final byte[] certificate = signer.certificate().getEncoded();
        final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put(PreprocessingFileDescriptor.MAGIC);
        header.putShort(VERSION_OFFSET, (short) PreprocessingFileDescriptor.VERSION);
        header.putShort(PARTY_OFFSET, (short) party);
        header.putShort(PARTIES_OFFSET, (short) parties);
        header.put(RUN_ID_OFFSET, runId);
        header.put(CONFIG_DIGEST_OFFSET, configDigest);
        header.put(PLAN_DIGEST_OFFSET, plan.digest());
        header.putLong(CREATED_OFFSET, System.currentTimeMillis());
        header.putInt(COMPUTATION_LENGTH_OFFSET, computation.length);
        header.putInt(REQUESTS_LENGTH_OFFSET, requests.length);
        header.putLong(CORRECTIONS_LENGTH_OFFSET, correctionBytes);
        header.putInt(CERTIFICATE_LENGTH_OFFSET, certificate.length);
        header.putInt(SIGNATURE_LENGTH_OFFSET, signer.signatureBytes());
        header.clear();
        final Signature signature = Signature.getInstance(
            PreprocessingFileDescriptor.signatureAlgorithm(signer.key().getAlgorithm()));
        signature.initSign(signer.key());
        Files.createFile(file, ownerOnly());
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writeSigned(out, signature, header);
            writeSigned(out, signature, ByteBuffer.wrap(computation));
            writeSigned(out, signature, ByteBuffer.wrap(requests));
            final ByteBuffer seedBuffer = ByteBuffer.wrap(seed);
            writeSigned(out, signature, seedBuffer);
            if (corrections != null) {
                try (FileChannel in = FileChannel.open(corrections, StandardOpenOption.READ)) {
                    final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
                    while (in.read(chunk.clear()) > 0) {
                        writeSigned(out, signature, chunk.flip());
                    }
                }
            }
            writeSigned(out, signature, ByteBuffer.wrap(certificate));
            final byte[] sig = signature.sign();
            if (sig.length != signer.signatureBytes()) {
                throw new IllegalStateException("signature of unexpected length, bytes=" + sig.length + ", expected="
                    + signer.signatureBytes());
            }
            write(out, ByteBuffer.wrap(sig));
            out.force(true);
        }
    }

    private static void writeSigned(final FileChannel out, final Signature signature, final ByteBuffer data)
        throws IOException, GeneralSecurityException {
        signature.update(data.duplicate());
        write(out, data);
    }

    private static void write(final FileChannel out, final ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            out.write(data);
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];
    }

    private static void deleteQuietly(final Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            // best effort: the caller reports the original failure
        }
    }

    @Override
    public String toString() {
        return "PreprocessingFileWriter[" + plan + ", parties=" + parties + "]";
    }
}
