package dev.obscura.protocols.dealer;

import java.nio.charset.StandardCharsets;

/**
 * The layout of a preprocessing file: one party's share of the correlated randomness of one run of one computation,
 * made by the dealer ahead of time ({@link PreprocessingFileWriter}) and consumed by that party instead of an online
 * dealer ({@link PreprocessingFile}). All integers little-endian. A fixed 128-byte header, then six sections whose
 * lengths the header states:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Magic "OBSCPREP" (8 bytes)                    |   0
 *  +-------------------------------+-------------------------------+
 *  |           Version             |            Party              |   8
 *  +-------------------------------+-------------------------------+
 *  |           Parties             |         Reserved (0)          |  12
 *  +-------------------------------+-------------------------------+
 *  |                     Run Id (16 bytes)                         |  16
 *  +---------------------------------------------------------------+
 *  |               Configuration Digest (32 bytes)                 |  32
 *  +---------------------------------------------------------------+
 *  |                   Plan Digest (32 bytes)                      |  64
 *  +---------------------------------------------------------------+
 *  |                 Created (int64, ms since 1970)                |  96
 *  +---------------------------------------------------------------+
 *  |                   Computation Length (uint32)                 | 104
 *  +---------------------------------------------------------------+
 *  |                    Requests Length (uint32)                   | 108
 *  +---------------------------------------------------------------+
 *  |                   Corrections Length (int64)                  | 112
 *  +---------------------------------------------------------------+
 *  |                   Certificate Length (uint32)                 | 120
 *  +---------------------------------------------------------------+
 *  |                    Signature Length (uint32)                  | 124
 *  +---------------------------------------------------------------+
 *  | Computation | Requests | Seed (16) | Corrections | Certificate | Signature
 * </pre>
 *
 * <ul>
 *   <li>Run Id: 16 random bytes the dealer draws per run; every party's file of one run carries the same, and the
 *       parties check that they agree before computing.</li>
 *   <li>Configuration Digest: the deployment's configuration digest (its canonical text's SHA-256).</li>
 *   <li>Plan Digest: {@link PreprocessingPlan#digest()} of the computation and its requests.</li>
 *   <li>Computation, Requests: the {@link PreprocessingPlan} (name in UTF-8; requests as the plan file has them).</li>
 *   <li>Seed: the 16-byte seed of the party's dealer PRG. SECRET: whoever holds another party's file holds its
 *       shares of every triple and mask of the run. The file is created readable by its owner only.</li>
 *   <li>Corrections: the last party's shares of the dependent values (for example {@code c} of each Beaver
 *       triple), 8 bytes per element in request order; empty for the other parties, whose shares all come from the
 *       seed.</li>
 *   <li>Certificate: the dealer's X.509 certificate (DER), which must be issued by the deployment's CA and carry the
 *       dealer's endpoint name as its common name.</li>
 *   <li>Signature: the dealer's signature over every byte before it, made with its TLS key ({@code tls.key} of the
 *       configuration): ECDSA with SHA-256 as r || s (IEEE P1363, 64 bytes for P-256) for an EC key, Ed25519 (64
 *       bytes), or SHA256withRSA (the modulus' length). Its length is fixed by the key, so the header states it.</li>
 * </ul>
 */
public final class PreprocessingFileDescriptor {
    /** The file's first 8 bytes. */
    static final byte[] MAGIC = "OBSCPREP".getBytes(StandardCharsets.US_ASCII);
    /** The format version. */
    public static final int VERSION = 1;
    /** Offset of the version (uint16). */
    static final int VERSION_OFFSET = 8;
    /** Offset of the party (uint16). */
    static final int PARTY_OFFSET = 10;
    /** Offset of the number of parties (uint16). */
    static final int PARTIES_OFFSET = 12;
    /** Offset of the run id. */
    static final int RUN_ID_OFFSET = 16;
    /** Length of the run id. */
    public static final int RUN_ID_BYTES = 16;
    /** Offset of the configuration digest. */
    static final int CONFIG_DIGEST_OFFSET = 32;
    /** Offset of the plan digest. */
    static final int PLAN_DIGEST_OFFSET = 64;
    /** Length of each digest. */
    static final int DIGEST_BYTES = 32;
    /** Offset of the creation time (int64 milliseconds). */
    static final int CREATED_OFFSET = 96;
    /** Offset of the computation's length (uint32). */
    static final int COMPUTATION_LENGTH_OFFSET = 104;
    /** Offset of the requests' length (uint32). */
    static final int REQUESTS_LENGTH_OFFSET = 108;
    /** Offset of the corrections' length (int64). */
    static final int CORRECTIONS_LENGTH_OFFSET = 112;
    /** Offset of the certificate's length (uint32). */
    static final int CERTIFICATE_LENGTH_OFFSET = 120;
    /** Offset of the signature's length (uint32). */
    static final int SIGNATURE_LENGTH_OFFSET = 124;
    /** Length of the fixed header. */
    public static final int HEADER_BYTES = 128;
    /** Length of the seed section. */
    static final int SEED_BYTES = 16;
    /** The largest certificate accepted. */
    static final int MAX_CERTIFICATE_BYTES = 16 << 10;
    /** The largest signature accepted. */
    static final int MAX_SIGNATURE_BYTES = 1024;
    /** The largest corrections section accepted: 1 TiB. */
    static final long MAX_CORRECTIONS_BYTES = 1L << 40;

    private PreprocessingFileDescriptor() {
    }

    /** Offset of the computation section. */
    static long computationOffset() {
        return HEADER_BYTES;
    }

    /** Offset of the requests section. */
    static long requestsOffset(final long computationLength) {
        return HEADER_BYTES + computationLength;
    }

    /** Offset of the seed. */
    static long seedOffset(final long computationLength, final long requestsLength) {
        return requestsOffset(computationLength) + requestsLength;
    }

    /** Offset of the corrections. */
    static long correctionsOffset(final long computationLength, final long requestsLength) {
        return seedOffset(computationLength, requestsLength) + SEED_BYTES;
    }

    /** Offset of the certificate, which is also where the corrections end. */
    static long certificateOffset(final long computationLength, final long requestsLength,
                                  final long correctionsLength) {
        return correctionsOffset(computationLength, requestsLength) + correctionsLength;
    }

    /** Offset of the signature: the length of the signed part. */
    static long signatureOffset(final long computationLength, final long requestsLength, final long correctionsLength,
                                final long certificateLength) {
        return certificateOffset(computationLength, requestsLength, correctionsLength) + certificateLength;
    }

    /** The whole file's length. */
    static long fileLength(final long computationLength, final long requestsLength, final long correctionsLength,
                           final long certificateLength, final long signatureLength) {
        return signatureOffset(computationLength, requestsLength, correctionsLength, certificateLength)
            + signatureLength;
    }

    /** The signature algorithm for a key of {@code keyAlgorithm} ({@code "EC"}, {@code "Ed25519"}, {@code "RSA"}). */
    static String signatureAlgorithm(final String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC" -> "SHA256withECDSAinP1363Format";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("the dealer's key must be EC, Ed25519 or RSA, algorithm="
                + keyAlgorithm);
        };
    }
}
