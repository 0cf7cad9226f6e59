package dev.obscura.cli;

import dev.obscura.network.NetworkConfig;
import dev.obscura.network.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A loopback deployment for the command's tests: a configuration of two parties and a dealer on free ports with test
 * certificates, and the {@code obscura} command run as separate JVMs, each with the test class path, the launcher's
 * {@code --add-opens}, one native thread (the machine is shared) and at most {@link #TIMEOUT_SECONDS}.
 */
final class Deployment {
    static final long TIMEOUT_SECONDS = 180;

    private final Path dir;
    private final Path config;

    private Deployment(final Path dir, final Path config) {
        this.dir = dir;
        this.config = config;
    }

    /** Two parties and a dealer on loopback, with {@code extra} configuration lines, and their certificates. */
    static Deployment create(final Path dir, final String extra) {
        try {
            final List<Integer> ports = freePorts(3);
            final Path file = dir.resolve("network.conf");
            Files.writeString(file, "suite = additive-dealer\nparty.0 = 127.0.0.1:" + ports.get(0)
                + "\nparty.1 = 127.0.0.1:" + ports.get(1) + "\nhelper.dealer = 127.0.0.1:" + ports.get(2)
                + "\ntls.ca = certs/ca.crt\ntls.certificate = certs/{name}.crt\ntls.key = certs/{name}.key\n"
                + "connect-timeout = 60s\ntimeout = 60s\n" + extra);
            TestCertificates.write(NetworkConfig.read(file), dir.resolve("certs"), Duration.ofDays(1));
            return new Deployment(dir, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path config() {
        return config;
    }

    Path dir() {
        return dir;
    }

    /** A started {@code obscura} process; {@link #await()} waits for it and returns what it printed. */
    static final class Running {
        private final Process process;
        private final Path out;
        private final Path err;
        private final List<String> command;

        private Running(final Process process, final Path out, final Path err, final List<String> command) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.command = command;
        }

        CommandRun await() {
            try {
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError("obscura did not finish within " + TIMEOUT_SECONDS + " s: " + command);
                }
                final CommandRun run = new CommandRun(process.exitValue(), Files.readString(out,
                    StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
                Files.delete(out);
                Files.delete(err);
                return run;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Starts {@code obscura args...} in a JVM of its own, in this deployment's folder. */
    Running start(final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens",
            "java.base/java.nio=ALL-UNNAMED", "-Dobscura.threads=1", "-Xmx512m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), ObscuraCommand.class.getName()));
        command.addAll(List.of(args));
        try {
            final Path out = Files.createTempFile("obscura-out", ".txt");
            final Path err = Files.createTempFile("obscura-err", ".txt");
            final ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            return new Running(builder.start(), out, err, command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} ports that were free a moment ago on 127.0.0.1. */
    static List<Integer> freePorts(final int n) throws IOException {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (final ServerSocket s : held) {
                s.close();
            }
        }
    }
}
