package dev.obscura.network;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The first frame each way on a connection: what the sender is and what it runs with. Both ends check that they
 * agree on the protocol version, the suite, the fixed-point bits, the party and endpoint counts and the
 * configuration digest; a disagreement fails the connection with a message that names the setting and the peer.
 *
 * <p>Payload layout (little-endian): version int32, sender int32, receiver int32, parties int32, endpoints int32,
 * fixed-point bits int32, nonce (16 bytes), digest (32 bytes), suite (int16 length + UTF-8), canonical
 * configuration (int32 length + UTF-8). The session id of the connection is the first 8 bytes of
 * SHA-256("obscura-session" || digest || nonce of the lower id || nonce of the higher id), so it is fresh for
 * every run and both ends derive the same one.
 *
 * @param version        the protocol version ({@link FrameDescriptor#VERSION})
 * @param sender         the sender's endpoint id
 * @param receiver       the endpoint id the sender believes it is talking to
 * @param parties        the number of computing parties
 * @param endpoints      the number of endpoints (parties and helpers)
 * @param fixedPointBits the fixed-point fractional bits
 * @param nonce          16 fresh random bytes of the sender for this run
 * @param digest         the configuration digest
 * @param suite          the protocol suite's name
 * @param canonical      the configuration's canonical text (to name the setting that differs)
 */
record Hello(int version, int sender, int receiver, int parties, int endpoints, int fixedPointBits, byte[] nonce,
             byte[] digest, String suite, String canonical) {

    static final int NONCE_BYTES = 16;
    static final int DIGEST_BYTES = 32;
    private static final int FIXED_BYTES = 6 * Integer.BYTES + NONCE_BYTES + DIGEST_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** This endpoint's hello to {@code receiver}. */
    static Hello of(final NetworkConfig config, final int self, final int receiver, final byte[] nonce) {
        return new Hello(FrameDescriptor.VERSION, self, receiver, config.parties(), config.endpoints().size(),
            config.fixedPointBits(), nonce, config.digest(), config.suite(), config.canonicalText());
    }

    /** A fresh nonce. */
    static byte[] freshNonce() {
        final byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    byte[] encode() {
        final byte[] s = suite.getBytes(StandardCharsets.UTF_8);
        final byte[] c = canonical.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer b = ByteBuffer.allocate(FIXED_BYTES + Short.BYTES + s.length + Integer.BYTES + c.length)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(version).putInt(sender).putInt(receiver).putInt(parties).putInt(endpoints).putInt(fixedPointBits);
        b.put(nonce).put(digest).putShort((short) s.length).put(s).putInt(c.length).put(c);
        if (b.position() > FrameDescriptor.MAX_HELLO_BYTES) {
            throw new IllegalStateException("hello too long, bytes=" + b.position());
        }
        return b.array();
    }

    /**
     * Reads a hello payload.
     *
     * @throws IllegalArgumentException when the payload is not a well-formed hello (the caller makes it a protocol
     *                                  error)
     */
    static Hello decode(final byte[] payload) {
        final ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        if (payload.length < FIXED_BYTES + Short.BYTES + Integer.BYTES) {
            throw new IllegalArgumentException("hello too short, bytes=" + payload.length);
        }
        final int version = b.getInt();
        final int sender = b.getInt();
        final int receiver = b.getInt();
        final int parties = b.getInt();
        final int endpoints = b.getInt();
        final int bits = b.getInt();
        final byte[] nonce = new byte[NONCE_BYTES];
        final byte[] digest = new byte[DIGEST_BYTES];
        b.get(nonce).get(digest);
        final String suite = string(b, Short.toUnsignedInt(b.getShort()));
        if (b.remaining() < Integer.BYTES) {
            throw new IllegalArgumentException("hello truncated, bytes=" + payload.length);
        }
        final String canonical = string(b, b.getInt());
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("hello has " + b.remaining() + " trailing bytes");
        }
        return new Hello(version, sender, receiver, parties, endpoints, bits, nonce, digest, suite, canonical);
    }

    private static String string(final ByteBuffer b, final int length) {
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("hello string length out of range, length=" + length + ", remaining="
                + b.remaining());
        }
        final byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Why {@code theirs} (from {@code peer}) cannot talk to this endpoint's {@code mine}, naming the first setting
     * that differs; empty when they agree.
     */
    Optional<String> disagreement(final Hello theirs, final String peer) {
        final String here = "endpoint " + sender;
        if (theirs.version != version) {
            return differs("protocol version", version, theirs.version, peer);
        }
        if (theirs.receiver != sender) {
            return Optional.of(peer + " expected to reach endpoint " + theirs.receiver + " but reached " + here
                + " (the configuration files list different addresses)");
        }
        if (!theirs.suite.equals(suite)) {
            return differs("suite", suite, Untrusted.quote(theirs.suite), peer);
        }
        if (theirs.fixedPointBits != fixedPointBits) {
            return differs("fixed-point-bits", fixedPointBits, theirs.fixedPointBits, peer);
        }
        if (theirs.parties != parties) {
            return differs("parties", parties, theirs.parties, peer);
        }
        if (theirs.endpoints != endpoints) {
            return differs("endpoints (parties and helpers)", endpoints, theirs.endpoints, peer);
        }
        if (!MessageDigest.isEqual(theirs.digest, digest)) {
            return Optional.of(configurationDifference(theirs, peer));
        }
        return Optional.empty();
    }

    private static Optional<String> differs(final String setting, final Object here, final Object there,
                                            final String peer) {
        return Optional.of("the endpoints disagree on " + setting + ": here " + setting + "=" + here + ", " + peer
            + " has " + setting + "=" + there);
    }

    /** Names the settings of the canonical texts that differ, or says the digest is wrong. */
    private String configurationDifference(final Hello theirs, final String peer) {
        final Map<String, String> a = NetworkConfig.canonicalSettings(canonical);
        final Map<String, String> b = NetworkConfig.canonicalSettings(theirs.canonical);
        final TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        final StringBuilder diff = new StringBuilder();
        for (final String k : keys) {
            final String x = a.getOrDefault(k, "(none)");
            final String y = b.getOrDefault(k, "(none)");
            if (!x.equals(y)) {
                diff.append(diff.length() == 0 ? "" : "; ").append(Untrusted.quote(k)).append(": here ").append(x)
                    .append(", ").append(peer).append(" has ").append(Untrusted.quote(y));
            }
        }
        final String digests = "digest here=" + HexFormat.of().formatHex(digest, 0, 6) + "..., " + peer + " has "
            + HexFormat.of().formatHex(theirs.digest, 0, 6) + "...";
        return "the endpoints' configuration files differ (" + (diff.length() == 0 ? digests : diff + "; " + digests)
            + ")";
    }

    /** The session id both ends of the connection derive from the two hellos. */
    long sessionId(final Hello theirs) {
        final Hello low = sender < theirs.sender ? this : theirs;
        final Hello high = low == this ? theirs : this;
        try {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("obscura-session".getBytes(StandardCharsets.US_ASCII));
            sha.update(digest);
            sha.update(low.nonce);
            sha.update(high.nonce);
            final long id = ByteBuffer.wrap(sha.digest()).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return id == 0 ? 1 : id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Hello h && h.version == version && h.sender == sender && h.receiver == receiver
            && h.parties == parties && h.endpoints == endpoints && h.fixedPointBits == fixedPointBits
            && Arrays.equals(h.nonce, nonce) && Arrays.equals(h.digest, digest) && h.suite.equals(suite)
            && h.canonical.equals(canonical);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest) * 31 + sender;
    }

    @Override
    public String toString() {
        return "Hello[version=" + version + ", sender=" + sender + ", receiver=" + receiver + ", suite=" + suite + "]";
    }
}
