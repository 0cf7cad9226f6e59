package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import dev.obscura.network.LoopbackNetwork;
import dev.obscura.network.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Remote workers on this host, for tests and demos of the remote path: free loopback ports, a configuration file
 * ({@code workers.conf}), a test CA with a certificate per worker and caller ({@link TestCertificates}: for trials
 * only), and a {@link WorkerServer} per worker, reached over mutual TLS 1.3 like workers on other hosts. The caller
 * is {@value #CALLER}; {@code mallory} has a certificate of the same CA but is no allowed caller.
 */
public final class LoopbackWorkers implements AutoCloseable {
    /** The caller the workers allow. */
    public static final String CALLER = "coordinator";

    private final Path dir;
    private final WorkerConfig config;
    private final List<WorkerServer> servers = new ArrayList<>();

    private LoopbackWorkers(final Path dir, final WorkerConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /**
     * Workers {@code names} in {@code dir}, callable by {@value #CALLER}, with {@code extra} configuration lines and
     * {@code datasets} of their own (by worker, then by name); certificates also for {@code mallory} (no rights) and
     * the endpoints of {@code mpc.conf} when {@code extra} names it ({@link #twoPartyMpc}).
     */
    public static LoopbackWorkers start(final Path dir, final List<String> names, final String extra,
                                       final Map<String, Map<String, LabelledImages>> datasets) {
        final List<Integer> ports = LoopbackNetwork.freePorts(names.size());
        final StringBuilder text = new StringBuilder("# test deployment\n");
        for (int i = 0; i < names.size(); i++) {
            text.append("worker.").append(names.get(i)).append(" = 127.0.0.1:").append(ports.get(i)).append('\n');
        }
        text.append("callers = coordinator\ntls.ca = certs/ca.crt\ntls.certificate = certs/{name}.crt\n"
            + "tls.key = certs/{name}.key\ntimeout = 30s\nconnect-timeout = 20s\n").append(extra);
        final List<String> certified = new ArrayList<>(names);
        certified.add(CALLER);
        certified.add("mallory");
        if (extra.contains("mpc.config")) {
            certified.addAll(List.of("party-0", "party-1", "dealer"));
        }
        TestCertificates.write(certified, certified.stream().map(n -> "127.0.0.1").toList(), dir.resolve("certs"),
            Duration.ofDays(1));
        final WorkerConfig config;
        try {
            Files.writeString(dir.resolve("workers.conf"), text.toString());
            config = WorkerConfig.read(dir.resolve("workers.conf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        final LoopbackWorkers d = new LoopbackWorkers(dir, config);
        for (final String n : names) {
            d.servers.add(WorkerServer.start(config, n, datasets.getOrDefault(n, Map.of())));
        }
        return d;
    }

    /**
     * Writes {@code mpc.conf} into {@code dir}: a network of two parties and a dealer on free loopback ports, for a
     * secure group of two workers; returns the line that names it ({@code mpc.NAME} lines still to be added).
     */
    public static String twoPartyMpc(final Path dir) {
        try {
            Files.writeString(dir.resolve("mpc.conf"), LoopbackNetwork.configText("additive-dealer", 2,
                List.of("dealer"), "timeout = 30s\nconnect-timeout = 20s\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "mpc.config = mpc.conf\n";
    }

    /** Workers {@code names} in {@code dir}, holding no data. */
    public static LoopbackWorkers start(final Path dir, final String... names) {
        return start(dir, List.of(names), "", Map.of());
    }

    /** A caller's connections to every worker, as {@value #CALLER}. */
    public RemoteWorkers connect() {
        return RemoteWorkers.connect(config, CALLER);
    }

    /** The configuration the workers read. */
    public WorkerConfig config() {
        return config;
    }

    /** The folder of the configuration and certificates. */
    public Path dir() {
        return dir;
    }

    /** The server of worker {@code name}. */
    public WorkerServer server(final String name) {
        return servers.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(
            () -> new IllegalArgumentException("no worker is called " + name));
    }

    /** Stops every worker. */
    @Override
    public void close() {
        servers.forEach(WorkerServer::close);
    }
}
