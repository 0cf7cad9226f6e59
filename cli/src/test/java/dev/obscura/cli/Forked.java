package dev.obscura.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code obscura} command run in a JVM of its own, for what a test JVM cannot arrange in-process: another
 * working directory (the MNIST search starts there), a small heap. The child gets the test class path, the launcher's
 * {@code --add-opens}, no MNIST or cache setting from the environment, and at most {@link #TIMEOUT_SECONDS}.
 */
final class Forked {
    static final long TIMEOUT_SECONDS = 120;

    private Forked() {
    }

    /** The command line of {@code obscura args...} in a JVM of its own with {@code jvmOptions}. */
    static List<String> command(final List<String> jvmOptions, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens",
            "java.base/java.nio=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ObscuraCommand.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs {@code obscura args...} in {@code workingDirectory} with {@code jvmOptions}; kills it after the timeout. */
    static CommandRun run(final Path workingDirectory, final List<String> jvmOptions, final String... args) {
        final List<String> command = command(jvmOptions, args);
        try {
            final Path out = Files.createTempFile("obscura-out", ".txt");
            final Path err = Files.createTempFile("obscura-err", ".txt");
            final ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            for (final String name : List.of("OBSCURA_MNIST_DIR", "OBSCURA_CACHE_DIR", "OBSCURA_MNIST_MIRRORS",
                "XDG_CACHE_HOME", "JAVA_TOOL_OPTIONS")) {
                builder.environment().remove(name);
            }
            final Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("obscura did not finish within " + TIMEOUT_SECONDS + " s: " + command);
            }
            final CommandRun run = new CommandRun(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return run;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
