package dev.obscura.cli;

import dev.obscura.data.Mnist;
import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code obscura} command. Each job is a subcommand. Bad arguments print {@code obscura: MESSAGE} and one line
 * saying where the usage is, and exit with status 2; a failure at run time prints {@code obscura: MESSAGE} (at most
 * {@value #MAX_MESSAGE_LINES} lines: what went wrong, and where one is needed, what fixes it) and exits with status 1;
 * so does an {@link Error} (out of memory, say); never a stack trace. Every line printed for a failure is made
 * printable ({@link UntrustedText#printable}): control characters are escaped and its length is capped, whatever
 * strings the message carries.
 */
@Command(
    name = "obscura",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
        "Obscura: secure multi-party computation on tensors for the JVM.",
        "Values are secret-shared over the ring Z_2^64; native kernels do the arithmetic.",
    },
    footer = {
        "",
        "Start here:",
        "  ./obscura mnist train --epochs 1    train in plaintext, save the model",
        "  ./obscura mnist infer --secure      classify the test set, also on shares",
        "  ./obscura serve-load                load-test the encrypted inference service",
        "",
        "Help on a command:",
        "  ./obscura help mnist train          (or: ./obscura mnist train --help)",
    },
    subcommands = {DemoCommand.class, BackendsCommand.class, MnistCommand.class, BenchCommand.class,
        CertsCommand.class, PartyCommand.class, DealerCommand.class, FlCommand.class, WorkerCommand.class,
        ServeCommand.class, ClassifyCommand.class, ServeLoadCommand.class, HelpCommand.class})
public final class ObscuraCommand implements Runnable {
    /** The most lines a failure prints. */
    static final int MAX_MESSAGE_LINES = 3;
    /** The longest line a failure prints, in characters. */
    static final int MAX_LINE_CHARS = 1000;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its status. Sets the project root for the MNIST lookup from this jar's
     * location when the launcher did not.
     *
     * @param args the command-line arguments
     */
    public static void main(final String[] args) {
        // Before any class reads them: Netty may then hand tensors' off-heap memory to TLS without a copy (the jar's
        // manifest opens java.nio for it), and each log record is one line.
        defaultProperty("io.netty.tryReflectionSetAccessible", "true");
        defaultProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        if (System.getProperty(Mnist.PROJECT_ROOT_PROPERTY) == null) {
            checkoutRoot().ifPresent(root -> System.setProperty(Mnist.PROJECT_ROOT_PROPERTY, root.toString()));
        }
        System.exit(run(args));
    }

    private static void defaultProperty(final String name, final String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /**
     * Runs the command line and returns the exit status (0 success, 1 failure, 2 bad usage).
     *
     * @param args the command-line arguments
     * @return the exit status
     */
    public static int run(final String... args) {
        return execute(commandLine(), args);
    }

    /**
     * Runs {@code cli} on {@code args}; an {@link Error} that escapes the command (picocli passes them on) is one line
     * and status 1, like any other failure.
     */
    static int execute(final CommandLine cli, final String... args) {
        try {
            return cli.execute(args);
        } catch (final Error e) {
            printFailure(cli, describe(e));
            return 1;
        }
    }

    /** The configured command line: short error reports for bad usage and for failures, help sized to the terminal. */
    static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(new ObscuraCommand());
        MemoryOptions.attach(cli);
        cli.setExecutionStrategy(MemoryOptions.applying(new CommandLine.RunLast()));
        // Wider terminals get wider help; without a terminal (a pipe, a test) picocli uses the default 80 columns.
        cli.setUsageHelpAutoWidth(true);
        cli.setParameterExceptionHandler((ex, args) -> {
            final CommandLine cmd = ex.getCommandLine();
            final PrintWriter err = cmd.getErr();
            // picocli's messages echo the arguments: one printable line, whatever was typed.
            err.println(cmd.getColorScheme().errorText("obscura: "
                + UntrustedText.printable(String.valueOf(ex.getMessage()), MAX_LINE_CHARS)));
            // A mistyped option or subcommand gets picocli's "Did you mean" line, and nothing more than that.
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            printFailure(cmd, describe(ex));
            return 1;
        });
        return cli;
    }

    /**
     * Prints {@code message} as the command's failure: each of its first {@value #MAX_MESSAGE_LINES} lines as
     * {@code obscura: LINE}, made printable and capped at {@value #MAX_LINE_CHARS} characters.
     */
    static void printFailure(final CommandLine cmd, final String message) {
        final PrintWriter err = cmd.getErr();
        final String[] lines = message.split("\n", MAX_MESSAGE_LINES + 1);
        for (int i = 0; i < Math.min(lines.length, MAX_MESSAGE_LINES); i++) {
            err.println(cmd.getColorScheme().errorText("obscura: " + UntrustedText.printable(lines[i],
                MAX_LINE_CHARS)));
        }
        err.flush();
    }

    /**
     * The one-line report of a failure: its message and, for a file-system failure, the reason the system gave
     * (never a stack trace).
     */
    static String describe(final Throwable ex) {
        if (ex instanceof OutOfMemoryError) {
            final long heap = Runtime.getRuntime().maxMemory() >> 20;
            return "out of memory (" + ex.getMessage() + ", heap limit " + heap + " MiB): give the JVM more, for"
                + " example OBSCURA_JAVA_OPTS=-Xmx" + Math.max(1, 4 * heap >> 10) + "g, or ask for less work (a"
                + " smaller --batch or --limit)";
        }
        if (ex instanceof Error) {
            return "internal error: " + ex;
        }
        final String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        final Throwable cause = ex.getCause();
        // UncheckedIOException's message says what was being done ("cannot write model file, file=..."), its cause why.
        if (ex instanceof UncheckedIOException && cause instanceof IOException io) {
            return message.equals(io.toString()) ? reason(io) : message + ": " + reason(io);
        }
        return message;
    }

    /** Why an I/O operation failed, in words: the system's reason and the file it concerns. */
    static String reason(final IOException e) {
        if (e instanceof NoSuchFileException f) {
            return "no such file or directory: " + UntrustedText.quote(f.getFile());
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + UntrustedText.quote(f.getFile());
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() == null ? "" : ": " + UntrustedText.quote(f.getFile()));
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * The checkout this command runs from, when its classes are in {@code ROOT/cli/target*}: the jar
     * {@code ROOT/cli/target/obscura.jar} or the build's {@code ROOT/cli/target/classes}; empty otherwise (an
     * installed jar, say).
     */
    static Optional<Path> checkoutRoot() {
        final CodeSource source = ObscuraCommand.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            return checkoutRoot(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The checkout that holds {@code location} (a jar or classes directory) in {@code ROOT/cli/target*}. */
    static Optional<Path> checkoutRoot(final Path location) {
        final Path target = location.toAbsolutePath().normalize().getParent();
        final Path module = target == null ? null : target.getParent();
        if (module == null || module.getParent() == null || target.getFileName() == null
            || !target.getFileName().toString().startsWith("target")
            || !"cli".equals(String.valueOf(module.getFileName()))) {
            return Optional.empty();
        }
        return Optional.of(module.getParent());
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
