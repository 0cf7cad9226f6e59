package dev.obscura.cli;

import dev.obscura.network.LoopbackNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A loopback deployment for the command's tests: a configuration of two parties and a dealer on free ports with test
 * certificates ({@link LoopbackNetwork#deployment}), and the {@code obscura} command run as separate JVMs started at
 * once ({@link Forked#command}), each with one native thread (the machine is shared) and at most
 * {@link #TIMEOUT_SECONDS}.
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
        LoopbackNetwork.deployment(dir, "additive-dealer", 2, List.of("dealer"), "connect-timeout = 60s\n"
            + "timeout = 60s\n" + extra);
        return new Deployment(dir, dir.resolve("network.conf"));
    }

    /** An existing configuration {@code config} in {@code dir}. */
    static Deployment of(final Path dir, final Path config) {
        return new Deployment(dir, config);
    }

    Path config() {
        return config;
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

        /** Kills the process at once (a crash), and waits for it to end. */
        void kill() {
            try {
                process.destroyForcibly().waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

    /** Starts {@code obscura args...} in a JVM of its own, in this deployment's folder, and returns at once. */
    Running start(final String... args) {
        final List<String> command = Forked.command(List.of("-Dobscura.threads=1", "-Xmx512m",
            "-XX:TieredStopAtLevel=1"), args);
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
}
