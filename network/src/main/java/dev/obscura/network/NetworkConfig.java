package dev.obscura.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The one configuration file that every party and helper of a deployment reads: who the endpoints are and where
 * they listen, the protocol settings they must agree on, the time-outs, and where this host keeps its certificates.
 * The format, line by line ({@code #} starts a comment; keys in any order):
 *
 * <pre>
 * suite              = additive-dealer        # required
 * fixed-point-bits   = 16                     # default 16
 * party.0            = alice.example:7100     # required, party.0 .. party.N-1, N &gt;= 2
 * party.1            = bob.example:7100
 * helper.dealer      = carol.example:7100     # helper endpoints, ids N, N+1, ... in file order
 * tls.ca             = certs/ca.crt           # required; relative paths are relative to this file
 * tls.certificate    = certs/{name}.crt       # required; {name} is the endpoint's name (party-0, dealer)
 * tls.key            = certs/{name}.key       # required; PKCS#8 PEM
 * timeout            = 60s                    # longest wait of one receive or send
 * connect-timeout    = 60s                    # how long to keep retrying while peers start
 * heartbeat-interval = 1s                     # an idle connection sends a heartbeat this often
 * heartbeat-timeout  = 10s                    # a peer silent this long has failed (at most timeout)
 * max-frame-bytes    = 1GiB                   # the largest message; a longer frame is refused unread
 * role.model-owner   = 0                      # optional: which party plays a named part of the program
 * role.data-owner    = 1
 * insecure-seed      = test-1                 # optional, INSECURE: derive every seed from this (tests only)
 * </pre>
 *
 * <p>{@code role.NAME} keys name the party that plays a part of a program ({@link #role}); programs document the
 * roles they read. {@code insecure-seed} derives every endpoint's seeds from one master seed, so that a run can be
 * repeated bit for bit; it removes all security, and {@code EndpointRuntime} refuses it unless explicitly allowed.
 *
 * <p>The {@linkplain #digest() digest} is the SHA-256 of the {@linkplain #canonicalText() canonical text}: every
 * setting except the {@code tls.*} paths (which are local to each host), defaults written out, in a fixed order.
 * Endpoints compare their digests when they connect, so two files that differ in any shared setting are caught.
 *
 * <p>Immutable and thread-safe.
 */
public final class NetworkConfig {
    /** Default {@code fixed-point-bits}. */
    public static final int DEFAULT_FIXED_POINT_BITS = 16;
    /** Default {@code timeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@code connect-timeout}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@code heartbeat-interval}. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /** Default {@code heartbeat-timeout}, or {@code timeout} when that is shorter. */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@code max-frame-bytes}: 1 GiB. */
    public static final long DEFAULT_MAX_FRAME_BYTES = 1L << 30;
    /** The largest {@code max-frame-bytes}: a frame length is an int32 that includes the header. */
    public static final long MAX_FRAME_BYTES_LIMIT = Integer.MAX_VALUE - FrameDescriptor.HEADER_LENGTH;
    /** Where {@code tls.certificate} and {@code tls.key} put the endpoint's name. */
    public static final String NAME_PLACEHOLDER = "{name}";

    /**
     * One endpoint: a party ({@code party-ID}) or a helper (its role, for example {@code dealer}), and where it
     * listens.
     *
     * @param id   the endpoint id: parties first, {@code 0 .. parties-1}, then the helpers in file order
     * @param name the name its certificate carries as common name
     * @param host the host name or address
     * @param port the TCP port
     */
    public record Endpoint(int id, String name, String host, int port) {
        /** {@code host:port}. */
        public String address() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }

        @Override
        public String toString() {
            return name + "@" + address();
        }
    }

    /**
     * A value of the file and where it was set ({@code network.conf:12}), for messages about it.
     *
     * @param value  the value
     * @param origin the file and line that set it
     * @param <T>    the value's type
     */
    public record Setting<T>(T value, String origin) {
    }

    /**
     * The settings of the computation itself: the suite, the fixed-point bits, the parties' named roles and the
     * insecure master seed, if any.
     */
    record Protocol(String suite, int fixedPointBits, Map<String, Setting<Integer>> roles,
                    Setting<String> insecureSeed) {
    }

    private final String source;
    private final List<Endpoint> endpoints;
    private final int parties;
    private final String suite;
    private final int fixedPointBits;
    private final Map<String, Setting<Integer>> roles;
    private final Setting<String> insecureSeed;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final long maxFrameBytes;
    private final Path caFile;
    private final String certificateTemplate;
    private final String keyTemplate;
    private final String canonicalText;
    private final byte[] digest;

    NetworkConfig(final String source, final List<Endpoint> endpoints, final int parties, final Protocol protocol,
                  final Duration timeout, final Duration connectTimeout,
                  final Duration heartbeatInterval, final Duration heartbeatTimeout, final long maxFrameBytes,
                  final Path caFile, final String certificateTemplate, final String keyTemplate) {
        this.source = source;
        this.endpoints = List.copyOf(endpoints);
        this.parties = parties;
        this.suite = protocol.suite();
        this.fixedPointBits = protocol.fixedPointBits();
        this.roles = Collections.unmodifiableMap(new TreeMap<>(protocol.roles()));
        this.insecureSeed = protocol.insecureSeed();
        this.timeout = timeout;
        this.connectTimeout = connectTimeout;
        this.heartbeatInterval = heartbeatInterval;
        this.heartbeatTimeout = heartbeatTimeout;
        this.maxFrameBytes = maxFrameBytes;
        this.caFile = caFile;
        this.certificateTemplate = certificateTemplate;
        this.keyTemplate = keyTemplate;
        this.canonicalText = canonicalize();
        this.digest = sha256(canonicalText);
    }

    /**
     * Reads and checks the configuration file {@code file}.
     *
     * @throws ConfigException naming the file and line of the first problem
     */
    public static NetworkConfig read(final Path file) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the network configuration: " + e.getMessage(), e);
        }
        final Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), dir);
    }

    /**
     * Parses configuration text; {@code source} names it in errors and relative paths are resolved against
     * {@code baseDir}.
     *
     * @throws ConfigException naming the source and line of the first problem
     */
    public static NetworkConfig parse(final String text, final String source, final Path baseDir) {
        return new ConfigParser(source, baseDir).parse(text);
    }

    /** Where this configuration was read from. */
    public String source() {
        return source;
    }

    /** Every endpoint, by id: the parties, then the helpers. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The endpoint with {@code id}. */
    public Endpoint endpoint(final int id) {
        if (id < 0 || id >= endpoints.size()) {
            throw new IllegalArgumentException("no such endpoint, id=" + id + ", endpoints=" + endpoints.size());
        }
        return endpoints.get(id);
    }

    /** The endpoint called {@code name} ({@code party-1}, {@code dealer}). */
    public Endpoint endpoint(final String name) {
        for (final Endpoint e : endpoints) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no endpoint is called '" + Untrusted.quote(name) + "', endpoints="
            + names());
    }

    /** Number of computing parties. */
    public int parties() {
        return parties;
    }

    /** The protocol suite's name. */
    public String suite() {
        return suite;
    }

    /** Fractional bits of the fixed-point encoding. */
    public int fixedPointBits() {
        return fixedPointBits;
    }

    /** The helper endpoints (those after the parties), in id order. */
    public List<Endpoint> helpers() {
        return endpoints.subList(parties, endpoints.size());
    }

    /**
     * The party that plays {@code role} ({@code role.NAME = PARTY}), or {@code fallback} when the file does not name
     * one.
     */
    public int role(final String role, final int fallback) {
        final Setting<Integer> s = roles.get(role);
        return s == null ? fallback : s.value();
    }

    /** Every {@code role.NAME} setting, by name. */
    public Map<String, Setting<Integer>> roles() {
        return roles;
    }

    /**
     * The {@code insecure-seed} setting, if the file has one: the master seed every endpoint's seeds are derived
     * from in an insecure, reproducible run ({@link dev.obscura.random.SeedSource#insecureDerived}).
     */
    public Optional<Setting<String>> insecureSeed() {
        return Optional.ofNullable(insecureSeed);
    }

    /** The longest one receive (or one send) waits. */
    public Duration timeout() {
        return timeout;
    }

    /** How long an endpoint keeps trying to reach its peers while they start. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How often an idle connection sends a heartbeat. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** How long a peer may stay silent before it counts as failed. */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** The largest payload of one message. */
    public long maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The certificate authority's certificate (PEM). */
    public Path caFile() {
        return caFile;
    }

    /** The certificate (PEM) of {@code endpoint}. */
    public Path certificateFile(final Endpoint endpoint) {
        return Path.of(certificateTemplate.replace(NAME_PLACEHOLDER, endpoint.name()));
    }

    /** The private key (PKCS#8 PEM) of {@code endpoint}. */
    public Path keyFile(final Endpoint endpoint) {
        return Path.of(keyTemplate.replace(NAME_PLACEHOLDER, endpoint.name()));
    }

    /** The settings the digest covers, one {@code key=value} per line in a fixed order. */
    public String canonicalText() {
        return canonicalText;
    }

    /** SHA-256 of {@link #canonicalText()} (a copy). */
    public byte[] digest() {
        return digest.clone();
    }

    /** {@link #digest()} in hexadecimal. */
    public String digestHex() {
        return HexFormat.of().formatHex(digest);
    }

    /** The settings of the canonical text, by key (what a mismatch message names). */
    static Map<String, String> canonicalSettings(final String canonical) {
        final Map<String, String> out = new TreeMap<>();
        for (final String line : canonical.split("\n")) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    private String canonicalize() {
        final StringBuilder b = new StringBuilder();
        b.append("format=1\n");
        b.append("suite=").append(suite).append('\n');
        b.append("fixed-point-bits=").append(fixedPointBits).append('\n');
        b.append("parties=").append(parties).append('\n');
        for (final Endpoint e : endpoints) {
            b.append("endpoint.").append(e.id()).append('=').append(e.name()).append('@')
                .append(e.host().toLowerCase(Locale.ROOT)).append(':').append(e.port()).append('\n');
        }
        b.append("timeout=").append(Units.format(timeout)).append('\n');
        b.append("connect-timeout=").append(Units.format(connectTimeout)).append('\n');
        b.append("heartbeat-interval=").append(Units.format(heartbeatInterval)).append('\n');
        b.append("heartbeat-timeout=").append(Units.format(heartbeatTimeout)).append('\n');
        b.append("max-frame-bytes=").append(maxFrameBytes).append('\n');
        // Written only when set, so that the digest of a file without them is what it always was.
        for (final Map.Entry<String, Setting<Integer>> r : roles.entrySet()) {
            b.append("role.").append(r.getKey()).append('=').append(r.getValue().value()).append('\n');
        }
        if (insecureSeed != null) {
            b.append("insecure-seed=").append(insecureSeed.value()).append('\n');
        }
        return b.toString();
    }

    private static byte[] sha256(final String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private List<String> names() {
        return endpoints.stream().map(Endpoint::name).toList();
    }

    @Override
    public String toString() {
        return "NetworkConfig[" + source + ", parties=" + parties + ", endpoints=" + names() + ", suite=" + suite
            + (insecureSeed != null ? ", INSECURE seed" : "") + ", digest=" + digestHex().substring(0, 12) + "]";
    }
}
