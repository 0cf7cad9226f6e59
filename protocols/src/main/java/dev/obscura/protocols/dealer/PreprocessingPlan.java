package dev.obscura.protocols.dealer;

import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * What a computation needs from the dealer, in public terms: its name ({@link #computation()}, for example
 * {@code "matmul m=64 k=64 n=64 data-seed=1"}, chosen by the program from its public parameters) and the ordered
 * correlation requests it takes (shapes only, nothing secret). Parties record it on one run
 * ({@code obscura party --record-plan FILE}); a dealer makes preprocessing files from it ahead of time
 * ({@code obscura dealer --plan FILE --out DIR}). Its {@link #digest()} names the computation in every
 * preprocessing file. Immutable.
 *
 * <p>Plan file (little-endian): magic {@code "OBSCPLAN"}, version uint16 (1), reserved uint16 (0), computation length
 * uint32, requests length uint32, the computation (UTF-8), the requests. Requests: count uint32, then per request a
 * uint16 length and the {@link CorrelationCatalogue}'s encoding.
 */
public final class PreprocessingPlan {
    /** The largest computation name, in UTF-8 bytes. */
    public static final int MAX_COMPUTATION_BYTES = 1024;
    /** The largest encoded request list, in bytes. */
    public static final int MAX_REQUESTS_BYTES = 64 << 20;
    private static final byte[] MAGIC = "OBSCPLAN".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 8 + 2 + 2 + 4 + 4;
    private static final int MAX_REQUEST_BYTES = 0xFFFF;

    private final String computation;
    private final byte[] requests;
    private final List<byte[]> requestList;
    private final byte[] digest;

    private PreprocessingPlan(final String computation, final byte[] requests) {
        if (computation.isEmpty() || computation.getBytes(StandardCharsets.UTF_8).length > MAX_COMPUTATION_BYTES) {
            throw new IllegalArgumentException("a computation name is 1 to " + MAX_COMPUTATION_BYTES + " bytes");
        }
        this.computation = computation;
        this.requests = requests;
        this.requestList = split(requests);
        this.digest = digestOf(computation, requests);
    }

    /** The plan of {@code computation}: the requests of {@code plan}, encoded by {@code catalogue}. */
    public static PreprocessingPlan of(final String computation, final CorrelationPlan plan,
                                       final CorrelationCatalogue catalogue) {
        final List<byte[]> encoded = new ArrayList<>();
        int bytes = Integer.BYTES;
        for (final Correlation<?> c : plan.requests()) {
            final byte[] e = catalogue.encode(c);
            encoded.add(e);
            bytes += Short.BYTES + e.length;
        }
        final ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(encoded.size());
        for (final byte[] e : encoded) {
            b.putShort((short) e.length).put(e);
        }
        return new PreprocessingPlan(computation, b.array());
    }

    /** A plan from its parts as a preprocessing file holds them (checked). */
    static PreprocessingPlan fromParts(final String computation, final byte[] requests) {
        return new PreprocessingPlan(computation, requests);
    }

    /**
     * Reads a plan file.
     *
     * @throws IllegalArgumentException naming the file when it is not a well-formed plan file
     * @throws UncheckedIOException when it cannot be read
     */
    public static PreprocessingPlan read(final Path file) {
        final byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the plan file " + UntrustedText.quote(file, 1000), e);
        }
        final ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < HEADER_BYTES || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new IllegalArgumentException(UntrustedText.quote(file, 1000) + " is not a plan file (written by"
                + " obscura party --record-plan)");
        }
        b.position(MAGIC.length);
        final int version = Short.toUnsignedInt(b.getShort());
        b.getShort();
        if (version != VERSION) {
            throw new IllegalArgumentException(file + ": plan file version " + version + " is not supported, expected "
                + VERSION);
        }
        final long nameBytes = Integer.toUnsignedLong(b.getInt());
        final long requestBytes = Integer.toUnsignedLong(b.getInt());
        if (nameBytes > MAX_COMPUTATION_BYTES || requestBytes > MAX_REQUESTS_BYTES
            || HEADER_BYTES + nameBytes + requestBytes != all.length) {
            throw new IllegalArgumentException(file + ": plan file is truncated or malformed, bytes=" + all.length
                + ", declared=" + (HEADER_BYTES + nameBytes + requestBytes));
        }
        final String name = new String(all, HEADER_BYTES, (int) nameBytes, StandardCharsets.UTF_8);
        final byte[] requests = Arrays.copyOfRange(all, HEADER_BYTES + (int) nameBytes, all.length);
        try {
            return new PreprocessingPlan(name, requests);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes this plan to {@code file} (replacing it). */
    public void write(final Path file) {
        final byte[] name = computation.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + name.length + requests.length)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(name.length).putInt(requests.length)
            .put(name).put(requests);
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plan file " + UntrustedText.quote(file, 1000), e);
        }
    }

    /** The computation this plan serves. */
    public String computation() {
        return computation;
    }

    /** Number of correlation requests. */
    public int size() {
        return requestList.size();
    }

    /** The encoded requests as stored: count, then each with its length. */
    byte[] encodedRequests() {
        return requests.clone();
    }

    /** Request {@code i}, as the catalogue encodes it. */
    byte[] request(final int i) {
        return requestList.get(i);
    }

    /** The requests, decoded by {@code catalogue}. */
    public CorrelationPlan decode(final CorrelationCatalogue catalogue) {
        final List<Correlation<?>> out = new ArrayList<>();
        for (final byte[] r : requestList) {
            out.add(catalogue.decode(r));
        }
        return new CorrelationPlan(out);
    }

    /** SHA-256("obscura-plan" || 0 || computation || 0 || encoded requests): names the computation (a copy). */
    public byte[] digest() {
        return digest.clone();
    }

    /** The first 12 hex digits of the digest, for messages. */
    public String shortDigest() {
        return HexFormat.of().formatHex(digest, 0, 6);
    }

    private static List<byte[]> split(final byte[] requests) {
        final ByteBuffer b = ByteBuffer.wrap(requests).order(ByteOrder.LITTLE_ENDIAN);
        if (requests.length < Integer.BYTES) {
            throw new IllegalArgumentException("malformed plan: no request count");
        }
        final long count = Integer.toUnsignedLong(b.getInt());
        if (count > requests.length / Short.BYTES) {
            throw new IllegalArgumentException("malformed plan: count=" + count + ", bytes=" + requests.length);
        }
        final List<byte[]> out = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            if (b.remaining() < Short.BYTES) {
                throw new IllegalArgumentException("malformed plan: request " + i + " is cut off");
            }
            final int n = Short.toUnsignedInt(b.getShort());
            if (n < 1 || n > MAX_REQUEST_BYTES || n > b.remaining()) {
                throw new IllegalArgumentException("malformed plan: request " + i + " has length " + n);
            }
            final byte[] r = new byte[n];
            b.get(r);
            out.add(r);
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("malformed plan: " + b.remaining() + " bytes after the last request");
        }
        return List.copyOf(out);
    }

    private static byte[] digestOf(final String computation, final byte[] requests) {
        try {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("obscura-plan".getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) 0);
            sha.update(computation.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(requests);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "PreprocessingPlan[" + computation + ", requests=" + size() + ", digest=" + shortDigest() + "]";
    }
}
