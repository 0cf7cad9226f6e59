package dev.obscura.federated.worker;

import dev.obscura.network.ConfigException;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.Units;
import dev.obscura.network.rpc.RpcServer;
import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The one file that the workers of a deployment and their callers read: where each worker listens, who may call
 * them, the TLS files, the time-outs, and optionally the network of the workers' secure groups. Line by line
 * ({@code #} starts a comment; keys in any order; relative paths are relative to the file):
 *
 * <pre>
 * worker.bob        = 127.0.0.1:7301          # one line per worker (its name is its certificate's common name)
 * worker.alice      = 127.0.0.1:7302
 * callers           = coordinator             # certificate names that may call the workers (the workers may
 *                                             # also call each other, to move tensors)
 * tls.ca            = certs/ca.crt            # required
 * tls.certificate   = certs/{name}.crt        # required; {name} is the worker's or caller's name
 * tls.key           = certs/{name}.key        # required; PKCS#8 PEM
 * timeout           = 60s                     # the longest one request waits (default 60s)
 * connect-timeout   = 30s                     # how long to keep trying to reach a worker (default 30s)
 * max-frame-bytes   = 256MiB                  # the largest request or answer (default 256MiB)
 * mpc.config        = mpc.conf                # optional: the TCP network of the workers' secure groups
 * mpc.bob           = party-0                 # which endpoint of it each worker is
 * </pre>
 *
 * Every problem is reported with the file and line ({@code workers.conf:3: unknown key 'wroker.bob'}). Immutable.
 */
public final class WorkerConfig {
    private static final Pattern WORKER_KEY = Pattern.compile("worker\\.([a-z][a-z0-9-]{0,63})");
    private static final Pattern MPC_KEY = Pattern.compile("mpc\\.([a-z][a-z0-9-]{0,63})");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\\[[0-9A-Fa-f:.]+\\]");
    private static final List<String> KNOWN = List.of("worker.NAME", "callers", "tls.ca", "tls.certificate",
        "tls.key", "timeout", "connect-timeout", "max-frame-bytes", "mpc.config", "mpc.NAME");

    /**
     * Where one worker listens.
     *
     * @param name its name
     * @param host the host name or address
     * @param port the TCP port
     */
    public record Address(String name, String host, int port) {
    }

    private final String source;
    private final Map<String, Address> workers;
    private final Set<String> callers;
    private final Path ca;
    private final String certificateTemplate;
    private final String keyTemplate;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final long maxFrameBytes;
    private final NetworkConfig mpc;
    private final Map<String, String> mpcEndpoints;
    private final List<String> order;

    private WorkerConfig(final Parser p) {
        this.source = p.source;
        this.workers = Map.copyOf(p.workers);
        this.callers = Set.copyOf(p.callers);
        this.ca = p.ca;
        this.certificateTemplate = p.certificate;
        this.keyTemplate = p.key;
        this.timeout = p.timeout;
        this.connectTimeout = p.connectTimeout;
        this.maxFrameBytes = p.maxFrameBytes;
        this.mpc = p.mpc;
        this.mpcEndpoints = Map.copyOf(p.mpcEndpoints);
        this.order = List.copyOf(p.workers.keySet());
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws ConfigException naming the file and line of the first problem
     */
    public static WorkerConfig read(final Path file) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the worker configuration: " + e.getMessage(), e);
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /** Parses configuration text; {@code source} names it in errors, relative paths resolve against {@code dir}. */
    public static WorkerConfig parse(final String text, final String source, final Path dir) {
        final Parser p = new Parser(source, dir);
        final String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            p.line(i + 1, lines[i]);
        }
        p.finish();
        return new WorkerConfig(p);
    }

    /** Where this configuration came from. */
    public String source() {
        return source;
    }

    /** The workers' names, in file order. */
    public List<String> workerNames() {
        return order;
    }

    /**
     * Where worker {@code name} listens.
     *
     * @throws IllegalArgumentException when the file lists no such worker
     */
    public Address worker(final String name) {
        final Address a = workers.get(name);
        if (a == null) {
            throw new IllegalArgumentException(source + " lists no worker " + UntrustedText.quote(name)
                + ", workers=" + order);
        }
        return a;
    }

    /** Who may call a worker: the callers named, and every worker. */
    public Set<String> allowedCallers() {
        final Set<String> out = new TreeSet<>(callers);
        out.addAll(workers.keySet());
        return out;
    }

    /** The CA certificate. */
    public Path caFile() {
        return ca;
    }

    /** The certificate of {@code name} (a worker or a caller). */
    public Path certificateFile(final String name) {
        return Path.of(certificateTemplate.replace(NetworkConfig.NAME_PLACEHOLDER, name));
    }

    /** The private key of {@code name}. */
    public Path keyFile(final String name) {
        return Path.of(keyTemplate.replace(NetworkConfig.NAME_PLACEHOLDER, name));
    }

    /** The longest one request waits. */
    public Duration timeout() {
        return timeout;
    }

    /** How long to keep trying to reach a worker. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The largest request or answer. */
    public long maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The network of the workers' secure groups, if configured. */
    public Optional<NetworkConfig> mpc() {
        return Optional.ofNullable(mpc);
    }

    /** Which endpoint of {@link #mpc()} each worker is ({@code mpc.NAME}). */
    public Map<String, String> mpcEndpoints() {
        return mpcEndpoints;
    }

    @Override
    public String toString() {
        return "WorkerConfig[" + source + ", workers=" + order + ", callers=" + new TreeSet<>(callers) + "]";
    }

    /** Reads the lines of one file. */
    private static final class Parser {
        final String source;
        final Path dir;
        final Map<String, Integer> seen = new HashMap<>();
        final Map<String, Address> workers = new LinkedHashMap<>();
        final Map<String, String> mpcEndpoints = new LinkedHashMap<>();
        final Set<String> callers = new TreeSet<>();
        Path ca;
        String certificate;
        String key;
        Duration timeout = Duration.ofSeconds(60);
        Duration connectTimeout = Duration.ofSeconds(30);
        long maxFrameBytes = RpcServer.Context.DEFAULT_MAX_MESSAGE_BYTES;
        NetworkConfig mpc;
        int number;

        Parser(final String source, final Path dir) {
            this.source = source;
            this.dir = dir;
        }

        void line(final int n, final String raw) {
            number = n;
            final int hash = raw.indexOf('#');
            final String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                return;
            }
            final int eq = line.indexOf('=');
            if (eq < 0) {
                throw error("expected 'key = value', got '" + UntrustedText.quote(line) + "'");
            }
            final String k = line.substring(0, eq).strip();
            final String v = line.substring(eq + 1).strip();
            if (v.isEmpty()) {
                throw error("key '" + UntrustedText.quote(k) + "' has no value");
            }
            final Integer first = seen.putIfAbsent(k, n);
            if (first != null) {
                throw error("duplicate key '" + k + "' (first on line " + first + ")");
            }
            final var worker = WORKER_KEY.matcher(k);
            final var endpoint = MPC_KEY.matcher(k);
            try {
                if (worker.matches()) {
                    workers.put(worker.group(1), address(worker.group(1), v));
                } else if (k.equals("mpc.config")) {
                    mpc = NetworkConfig.read(dir.resolve(v));
                } else if (endpoint.matches()) {
                    mpcEndpoints.put(endpoint.group(1), v);
                } else {
                    setting(k, v);
                }
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        private void setting(final String k, final String v) {
            switch (k) {
                case "callers" -> {
                    for (final String c : v.split(",")) {
                        callers.add(Workers.checkName(c.strip()));
                    }
                }
                case "tls.ca" -> ca = dir.resolve(v);
                case "tls.certificate" -> certificate = dir.resolve(v).toString();
                case "tls.key" -> key = dir.resolve(v).toString();
                case "timeout" -> timeout = positive(k, Units.duration(v));
                case "connect-timeout" -> connectTimeout = positive(k, Units.duration(v));
                case "max-frame-bytes" -> {
                    maxFrameBytes = Units.bytes(v);
                    if (maxFrameBytes < 1024 || maxFrameBytes > Integer.MAX_VALUE - 64) {
                        throw new IllegalArgumentException("max-frame-bytes must be between 1KiB and 2GiB,"
                            + " max-frame-bytes=" + maxFrameBytes);
                    }
                }
                default -> throw new IllegalArgumentException("unknown key '" + UntrustedText.quote(k) + "' (known: "
                    + String.join(", ", KNOWN) + ")");
            }
        }

        private static Duration positive(final String key, final Duration d) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(key + " must be positive");
            }
            return d;
        }

        private static Address address(final String name, final String value) {
            final int colon = value.lastIndexOf(':');
            final String host = colon < 0 ? "" : value.substring(0, colon);
            final int port;
            try {
                port = colon < 0 ? -1 : Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("worker." + name + " must be host:port, got '"
                    + UntrustedText.quote(value) + "'");
            }
            if (!HOST.matcher(host).matches() || port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException("worker." + name + " must be host:port with a port from 1 to"
                    + " 65535, got '" + UntrustedText.quote(value) + "'");
            }
            return new Address(name, host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port);
        }

        void finish() {
            if (workers.isEmpty()) {
                throw new ConfigException(source + ": no worker (worker.NAME = host:port)");
            }
            if (ca == null || certificate == null || key == null) {
                throw new ConfigException(source + ": tls.ca, tls.certificate and tls.key are required");
            }
            for (final String w : mpcEndpoints.keySet()) {
                if (!workers.containsKey(w)) {
                    throw new ConfigException(source + ": mpc." + w + " names no worker of this file");
                }
            }
            if (!mpcEndpoints.isEmpty() && mpc == null) {
                throw new ConfigException(source + ": mpc.NAME needs mpc.config");
            }
            if (mpc != null) {
                for (final Map.Entry<String, String> e : mpcEndpoints.entrySet()) {
                    try {
                        mpc.endpoint(e.getValue());
                    } catch (IllegalArgumentException ex) {
                        throw new ConfigException(source + ": mpc." + e.getKey() + ": " + ex.getMessage());
                    }
                }
            }
        }

        private ConfigException error(final String why) {
            return new ConfigException(source + ":" + number + ": " + why);
        }
    }
}
