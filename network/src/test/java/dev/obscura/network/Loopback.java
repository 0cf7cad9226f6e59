package dev.obscura.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A deployment on loopback for tests: free ports, a configuration file, a test CA with a certificate per endpoint,
 * and every endpoint opened at once (each {@link TcpTransport#open} waits for its peers).
 */
final class Loopback {
    /** The longest a test waits for all endpoints to open. */
    static final long OPEN_WAIT_SECONDS = 30;

    private final Path dir;
    private final NetworkConfig config;

    private Loopback(final Path dir, final NetworkConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /** {@code parties} parties and the named helpers, with {@code extra} configuration lines. */
    static Loopback create(final Path dir, final int parties, final List<String> helpers, final String extra) {
        final StringBuilder lines = new StringBuilder();
        if (!extra.contains("connect-timeout")) {
            lines.append("connect-timeout = 20s\n");
        }
        if (!extra.startsWith("timeout") && !extra.contains("\ntimeout")) {
            lines.append("timeout = 20s\n");
        }
        return new Loopback(dir, LoopbackNetwork.deployment(dir, "additive-dealer", parties, helpers,
            lines + extra));
    }

    /** Writes {@code text} to {@code dir/name} and reads it back as a configuration. */
    static NetworkConfig write(final Path dir, final String name, final String text) {
        try {
            Files.createDirectories(dir);
            final Path file = dir.resolve(name);
            Files.writeString(file, text);
            return NetworkConfig.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same deployment with the configuration text changed by {@code edit}, written as {@code name}. */
    NetworkConfig variant(final String name, final UnaryOperator<String> edit) {
        try {
            return write(dir, name, edit.apply(Files.readString(dir.resolve("network.conf"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    NetworkConfig config() {
        return config;
    }

    Path dir() {
        return dir;
    }

    /** Opens every endpoint with {@code context} settings; closes those that opened if any fails. */
    List<TcpTransport> openAll(final UnaryOperator<TcpTransport.Context> settings) {
        final int n = config.endpoints().size();
        final ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            final List<Future<TcpTransport>> opening = new ArrayList<>();
            for (int id = 0; id < n; id++) {
                final int self = id;
                opening.add(pool.submit(() -> TcpTransport.open(settings.apply(
                    new TcpTransport.Context().config(config).self(self)))));
            }
            final List<TcpTransport> out = new ArrayList<>();
            Exception failure = null;
            for (final Future<TcpTransport> f : opening) {
                try {
                    out.add(f.get(OPEN_WAIT_SECONDS, TimeUnit.SECONDS));
                } catch (Exception e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                out.forEach(TcpTransport::close);
                throw new IllegalStateException("opening the loopback endpoints failed: " + failure, failure);
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    List<TcpTransport> openAll() {
        return openAll(c -> c);
    }

    /** Live threads whose name starts with {@code prefix}. */
    static long threads(final String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive()
            && t.getName().startsWith(prefix)).count();
    }

    /**
     * The live threads named {@code prefix...} once they have all ended, or after 5 seconds, whichever comes first.
     * An event loop that a test froze on purpose ends only after the freeze lets go, which may be just after the
     * other endpoints have closed; a leaked thread stays and is still counted.
     */
    static long threadsAfterShutdown(final String prefix) {
        final long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        long live = threads(prefix);
        while (live > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            live = threads(prefix);
        }
        return live;
    }

    private static boolean warm;

    /**
     * Open socket file descriptors of this process (Linux), or -1 where they cannot be counted. The first call opens
     * and closes a deployment first, so that sockets the JVM keeps for good once networking starts are not counted
     * as leaks later.
     */
    static synchronized long openSockets() {
        if (!warm) {
            warm = true;
            try {
                final Path tmp = Files.createTempDirectory("obscura-warm");
                create(tmp, 2, List.of(), "").openAll().forEach(TcpTransport::close);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        final Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        try (var s = Files.list(fds)) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            return -1;
        }
    }
}
