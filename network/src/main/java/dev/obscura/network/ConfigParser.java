package dev.obscura.network;

import dev.obscura.random.SeedSource;
import dev.obscura.ring.FixedPoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads the text of a {@link NetworkConfig}: one {@code key = value} per line, {@code #} comments, every problem
 * reported with the source and line ({@code network.conf:7: ...}). Not thread-safe: one parser per file.
 */
final class ConfigParser {
    private static final Pattern PARTY_KEY = Pattern.compile("party\\.(\\d{1,5})");
    private static final Pattern HELPER_KEY = Pattern.compile("helper\\.([a-z][a-z0-9-]{0,30})");
    private static final Pattern ROLE_KEY = Pattern.compile("role\\.([a-z][a-z0-9-]{0,30})");
    private static final Pattern SUITE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\\[[0-9A-Fa-f:.]+\\]");
    private static final List<String> KNOWN = List.of("suite", "fixed-point-bits", "party.N", "helper.NAME",
        "tls.ca", "tls.certificate", "tls.key", "timeout", "connect-timeout", "heartbeat-interval",
        "heartbeat-timeout", "max-frame-bytes", "role.NAME", "insecure-seed");

    private final String source;
    private final Path baseDir;
    /** Value and line of every plain key. */
    private final Map<String, Line> settings = new HashMap<>();
    private final TreeMap<Integer, Line> parties = new TreeMap<>();
    private final LinkedHashMap<String, Line> helpers = new LinkedHashMap<>();
    private final TreeMap<String, Line> roles = new TreeMap<>();

    private record Line(int number, String value) {
    }

    ConfigParser(final String source, final Path baseDir) {
        this.source = source;
        this.baseDir = baseDir;
    }

    NetworkConfig parse(final String text) {
        final String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            readLine(i + 1, lines[i]);
        }
        return build();
    }

    private void readLine(final int number, final String raw) {
        final int hash = raw.indexOf('#');
        final String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
        if (line.isEmpty()) {
            return;
        }
        final int eq = line.indexOf('=');
        if (eq < 0) {
            throw error(number, "expected 'key = value', got '" + Untrusted.quote(line) + "'");
        }
        final String key = line.substring(0, eq).strip();
        final String value = line.substring(eq + 1).strip();
        if (value.isEmpty()) {
            throw error(number, "key '" + Untrusted.quote(key) + "' has no value");
        }
        final var party = PARTY_KEY.matcher(key);
        final var helper = HELPER_KEY.matcher(key);
        final var role = ROLE_KEY.matcher(key);
        final Line previous;
        if (party.matches()) {
            previous = parties.putIfAbsent(Integer.parseInt(party.group(1)), new Line(number, value));
        } else if (helper.matches()) {
            previous = helpers.putIfAbsent(helper.group(1), new Line(number, value));
        } else if (role.matches()) {
            previous = roles.putIfAbsent(role.group(1), new Line(number, value));
        } else if (KNOWN.contains(key)) {
            previous = settings.putIfAbsent(key, new Line(number, value));
        } else {
            throw error(number, "unknown key '" + Untrusted.quote(key) + "' (known: " + String.join(", ", KNOWN)
                + ")");
        }
        if (previous != null) {
            throw error(number, "duplicate key '" + key + "' (first on line " + previous.number() + ")");
        }
    }

    private NetworkConfig build() {
        final String suite = required("suite");
        if (!SUITE.matcher(suite).matches()) {
            throw error(line("suite"), "suite must be a name of letters, digits, '.', '_' and '-', got '"
                + Untrusted.quote(suite) + "'");
        }
        final int bits = fixedPointBits();
        final List<NetworkConfig.Endpoint> endpoints = endpoints();
        final Duration timeout = duration("timeout", NetworkConfig.DEFAULT_TIMEOUT);
        final Duration connectTimeout = duration("connect-timeout", NetworkConfig.DEFAULT_CONNECT_TIMEOUT);
        final Duration heartbeatInterval = duration("heartbeat-interval", NetworkConfig.DEFAULT_HEARTBEAT_INTERVAL);
        final Duration heartbeatTimeout = duration("heartbeat-timeout",
            timeout.compareTo(NetworkConfig.DEFAULT_HEARTBEAT_TIMEOUT) < 0 ? timeout
                : NetworkConfig.DEFAULT_HEARTBEAT_TIMEOUT);
        if (heartbeatTimeout.compareTo(timeout) > 0) {
            throw error(line("heartbeat-timeout"), "heartbeat-timeout must not exceed timeout, heartbeat-timeout="
                + Units.format(heartbeatTimeout) + ", timeout=" + Units.format(timeout));
        }
        if (heartbeatInterval.multipliedBy(2).compareTo(heartbeatTimeout) > 0) {
            throw error(line("heartbeat-interval"), "heartbeat-interval must be at most half the heartbeat-timeout,"
                + " heartbeat-interval=" + Units.format(heartbeatInterval) + ", heartbeat-timeout="
                + Units.format(heartbeatTimeout));
        }
        final long maxFrame = maxFrameBytes();
        final Path ca = baseDir.resolve(required("tls.ca"));
        final String certificate = baseDir.resolve(required("tls.certificate")).toString();
        final String key = baseDir.resolve(required("tls.key")).toString();
        final NetworkConfig.Protocol protocol = new NetworkConfig.Protocol(suite, bits, roles(),
            insecureSeed());
        return new NetworkConfig(source, endpoints, parties.size(), protocol, timeout, connectTimeout,
            heartbeatInterval, heartbeatTimeout, maxFrame, ca, certificate, key);
    }

    /** {@code role.NAME = PARTY}: which party plays a named part of the program (the model owner, say). */
    private Map<String, NetworkConfig.Setting<Integer>> roles() {
        final Map<String, NetworkConfig.Setting<Integer>> out = new TreeMap<>();
        for (final Map.Entry<String, Line> e : roles.entrySet()) {
            final Line line = e.getValue();
            final int party;
            try {
                party = Integer.parseInt(line.value());
            } catch (NumberFormatException ex) {
                throw error(line.number(), "role." + e.getKey() + " must be a party id, got '"
                    + Untrusted.quote(line.value()) + "'");
            }
            if (party < 0 || party >= parties.size()) {
                throw error(line.number(), "role." + e.getKey() + " must be a party of this configuration, 0.."
                    + (parties.size() - 1) + ", got " + party);
            }
            out.put(e.getKey(), new NetworkConfig.Setting<>(party, source + ":" + line.number()));
        }
        return out;
    }

    /** {@code insecure-seed = TEXT}: the master seed of an insecure, reproducible run (refused unless allowed). */
    private NetworkConfig.Setting<String> insecureSeed() {
        final Line line = settings.get("insecure-seed");
        if (line == null) {
            return null;
        }
        if (!SeedSource.MASTER_SEED.matcher(line.value()).matches()) {
            throw error(line.number(), "insecure-seed must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        return new NetworkConfig.Setting<>(line.value(), source + ":" + line.number());
    }

    private List<NetworkConfig.Endpoint> endpoints() {
        if (parties.size() < 2) {
            throw new ConfigException(source + ": at least two parties are needed (party.0 = host:port and"
                + " party.1 = host:port), found " + parties.size());
        }
        int expected = 0;
        for (final Map.Entry<Integer, Line> e : parties.entrySet()) {
            if (e.getKey() != expected) {
                throw error(e.getValue().number(), "parties must be numbered 0.." + (parties.size() - 1)
                    + " without gaps: party." + expected + " is missing");
            }
            expected++;
        }
        final List<NetworkConfig.Endpoint> out = new ArrayList<>();
        final Map<String, Integer> addresses = new HashMap<>();
        for (final Map.Entry<Integer, Line> e : parties.entrySet()) {
            out.add(endpoint(out.size(), "party-" + e.getKey(), e.getValue(), addresses));
        }
        for (final Map.Entry<String, Line> e : helpers.entrySet()) {
            if (e.getKey().startsWith("party")) {
                throw error(e.getValue().number(), "a helper may not be called '" + e.getKey()
                    + "' (party names are taken by the parties)");
            }
            out.add(endpoint(out.size(), e.getKey(), e.getValue(), addresses));
        }
        if (out.size() > FrameDescriptor.MAX_ENDPOINT_ID + 1) {
            throw new ConfigException(source + ": too many endpoints, endpoints=" + out.size());
        }
        return out;
    }

    private NetworkConfig.Endpoint endpoint(final int id, final String name, final Line line,
                                            final Map<String, Integer> addresses) {
        final String value = line.value();
        final int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw error(line.number(), "expected host:port for " + name + ", got '" + Untrusted.quote(value) + "'");
        }
        final String host = value.substring(0, colon);
        if (!HOST.matcher(host).matches()) {
            throw error(line.number(), "not a host name or address for " + name + ": '" + Untrusted.quote(host)
                + "'");
        }
        final int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw error(line.number(), "port must be a number for " + name + ", got '"
                + Untrusted.quote(value.substring(colon + 1)) + "'");
        }
        if (port < 1 || port > 65535) {
            throw error(line.number(), "port must be between 1 and 65535 for " + name + ", port=" + port);
        }
        final String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        final Integer clash = addresses.putIfAbsent(bare.toLowerCase(java.util.Locale.ROOT) + ":" + port,
            line.number());
        if (clash != null) {
            throw error(line.number(), name + " listens on the same address as line " + clash + ": " + value);
        }
        return new NetworkConfig.Endpoint(id, name, bare, port);
    }

    private int fixedPointBits() {
        final Line line = settings.get("fixed-point-bits");
        if (line == null) {
            return NetworkConfig.DEFAULT_FIXED_POINT_BITS;
        }
        try {
            final int bits = Integer.parseInt(line.value());
            new FixedPoint(bits);
            return bits;
        } catch (IllegalArgumentException e) {
            throw error(line.number(), "fixed-point-bits: " + (e instanceof NumberFormatException
                ? "expected a whole number, got '" + Untrusted.quote(line.value()) + "'" : e.getMessage()));
        }
    }

    private long maxFrameBytes() {
        final Line line = settings.get("max-frame-bytes");
        if (line == null) {
            return NetworkConfig.DEFAULT_MAX_FRAME_BYTES;
        }
        final long bytes;
        try {
            bytes = Units.bytes(line.value());
        } catch (IllegalArgumentException e) {
            throw error(line.number(), "max-frame-bytes: " + e.getMessage());
        }
        if (bytes < 1 || bytes > NetworkConfig.MAX_FRAME_BYTES_LIMIT) {
            throw error(line.number(), "max-frame-bytes must be between 1 and " + NetworkConfig.MAX_FRAME_BYTES_LIMIT
                + ", max-frame-bytes=" + bytes);
        }
        return bytes;
    }

    private Duration duration(final String key, final Duration fallback) {
        final Line line = settings.get(key);
        if (line == null) {
            return fallback;
        }
        final Duration d;
        try {
            d = Units.duration(line.value());
        } catch (IllegalArgumentException e) {
            throw error(line.number(), key + ": " + e.getMessage());
        }
        if (d.toMillis() < 1 || d.compareTo(Duration.ofDays(1)) > 0) {
            throw error(line.number(), key + " must be between 1ms and 24h, " + key + "=" + line.value());
        }
        return d;
    }

    private String required(final String key) {
        final Line line = settings.get(key);
        if (line == null) {
            throw new ConfigException(source + ": missing key '" + key + "'");
        }
        return line.value();
    }

    private int line(final String key) {
        final Line line = settings.get(key);
        return line == null ? 0 : line.number();
    }

    private ConfigException error(final int line, final String message) {
        return new ConfigException(line > 0 ? source + ":" + line + ": " + message : source + ": " + message);
    }
}
