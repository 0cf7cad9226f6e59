package dev.obscura.network;

import dev.obscura.mpc.Transport;
import dev.obscura.protocols.ClusterNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A {@link ClusterNetwork} of {@link TcpTransport}s on loopback, for measuring what the network costs: a
 * {@code LocalCluster} on it runs every party and helper as a thread of this process, each with its own TLS
 * connections and I/O threads, exactly as party processes do, optionally over an emulated link. Made for one cluster
 * by {@link #factory}: a configuration on free ports and test certificates in a temporary folder, deleted on close.
 *
 * <pre>{@code
 * LocalCluster c = LocalParties.builder().network(LoopbackNetwork.factory(
 *     c -> c.emulation(LinkEmulation.parse("20ms", null)))).build().start();
 * }</pre>
 *
 * <p>For measurements and tests only: the ports were free a moment before they are bound.
 */
public final class LoopbackNetwork implements ClusterNetwork {
    private final Path dir;
    private final NetworkConfig config;
    private final UnaryOperator<TcpTransport.Context> settings;
    private final TcpTransport[] opened;

    private LoopbackNetwork(final Path dir, final NetworkConfig config,
                            final UnaryOperator<TcpTransport.Context> settings) {
        this.dir = dir;
        this.config = config;
        this.settings = settings;
        this.opened = new TcpTransport[config.endpoints().size()];
    }

    /**
     * Networks whose endpoints' transports get the settings {@code settings} makes of their context (emulation, TLS
     * provider, allocator).
     */
    public static ClusterNetwork.Factory factory(final UnaryOperator<TcpTransport.Context> settings) {
        Objects.requireNonNull(settings, "settings");
        return (suite, parties, helpers, timeout) -> {
            final Path dir;
            try {
                dir = Files.createTempDirectory("obscura-loopback");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a folder for the loopback network", e);
            }
            return new LoopbackNetwork(dir, deployment(dir, suite, parties, helpers, "timeout = "
                + Units.format(timeout) + "\nconnect-timeout = 60s\n"), settings);
        };
    }

    /**
     * Writes a deployment on loopback into {@code dir}: {@code network.conf} with {@code parties} parties and the
     * named helpers on ports that were free a moment ago, the suite, and {@code extra} lines, and a test CA with a
     * certificate and key per endpoint in {@code dir/certs}. Returns the configuration read back.
     */
    public static NetworkConfig deployment(final Path dir, final String suite, final int parties,
                                           final List<String> helpers, final String extra) {
        final String text = configText(suite, parties, helpers, extra);
        try {
            Files.createDirectories(dir);
            final Path file = dir.resolve("network.conf");
            Files.writeString(file, text);
            final NetworkConfig config = NetworkConfig.read(file);
            TestCertificates.write(config, dir.resolve("certs"), Duration.ofDays(1));
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loopback deployment into " + dir, e);
        }
    }

    /**
     * The text of a loopback configuration: {@code parties} parties and the named helpers on 127.0.0.1 ports that
     * were free a moment ago, the suite, certificates under {@code certs/} named after the endpoints, and
     * {@code extra} lines. {@link #deployment} writes it with the certificates; callers that issue their own
     * certificates (client names too, or the {@code obscura certs} command) write it themselves.
     */
    public static String configText(final String suite, final int parties, final List<String> helpers,
                                    final String extra) {
        final List<Integer> ports = freePorts(parties + helpers.size());
        final StringBuilder text = new StringBuilder("# loopback test deployment\nsuite = ").append(suite).append('\n');
        for (int p = 0; p < parties; p++) {
            text.append("party.").append(p).append(" = 127.0.0.1:").append(ports.get(p)).append('\n');
        }
        for (int h = 0; h < helpers.size(); h++) {
            text.append("helper.").append(helpers.get(h)).append(" = 127.0.0.1:").append(ports.get(parties + h))
                .append('\n');
        }
        return text.append("tls.ca = certs/ca.crt\ntls.certificate = certs/{name}.crt\ntls.key = certs/{name}.key\n")
            .append(extra).toString();
    }

    /** {@code n} ports that were free a moment ago on 127.0.0.1. */
    public static List<Integer> freePorts(final int n) {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        } finally {
            for (final ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // a port probe: nothing to release
                }
            }
        }
    }

    /** The configuration of this network. */
    public NetworkConfig config() {
        return config;
    }

    /** Opens endpoint {@code id}'s transport, waiting until its peers have connected. */
    @Override
    public Transport endpoint(final int id) {
        final TcpTransport t = TcpTransport.open(settings.apply(new TcpTransport.Context().config(config).self(id)));
        synchronized (opened) {
            opened[id] = t;
        }
        return t;
    }

    /** Aborts every opened endpoint with {@code why}: every peer fails at once. */
    @Override
    public void fail(final String why) {
        for (final TcpTransport t : snapshot()) {
            t.abort(why);
        }
    }

    /** Closes every endpoint and deletes the configuration and certificates. */
    @Override
    public void close() {
        for (final TcpTransport t : snapshot()) {
            t.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: the system cleans it eventually
        }
    }

    private List<TcpTransport> snapshot() {
        synchronized (opened) {
            final List<TcpTransport> out = new ArrayList<>();
            for (final TcpTransport t : opened) {
                if (t != null) {
                    out.add(t);
                }
            }
            return out;
        }
    }

    @Override
    public String toString() {
        return "LoopbackNetwork[" + config + "]";
    }
}
