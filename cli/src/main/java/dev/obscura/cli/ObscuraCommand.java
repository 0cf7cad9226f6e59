package dev.obscura.cli;

import dev.obscura.data.Mnist;
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
 * saying where the usage is, and exit with status 2; a failure at run time prints {@code obscura: MESSAGE} and exits
 * with status 1; never a stack trace.
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
        "",
        "Help on a command:",
        "  ./obscura help mnist train          (or: ./obscura mnist train --help)",
    },
    subcommands = {DemoCommand.class, BackendsCommand.class, MnistCommand.class, BenchCommand.class,
        CertsCommand.class, HelpCommand.class})
public final class ObscuraCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its status. Sets the project root for the MNIST lookup from this jar's
     * location when the launcher did not.
     *
     * @param args the command-line arguments
     */
    public static void main(final String[] args) {
        if (System.getProperty(Mnist.PROJECT_ROOT_PROPERTY) == null) {
            checkoutRoot().ifPresent(root -> System.setProperty(Mnist.PROJECT_ROOT_PROPERTY, root.toString()));
        }
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns the exit status (0 success, 1 failure, 2 bad usage).
     *
     * @param args the command-line arguments
     * @return the exit status
     */
    public static int run(final String... args) {
        return commandLine().execute(args);
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
            err.println(cmd.getColorScheme().errorText("obscura: " + ex.getMessage()));
            // A mistyped option or subcommand gets picocli's "Did you mean" line, and nothing more than that.
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("obscura: " + describe(ex)));
            cmd.getErr().flush();
            return 1;
        });
        return cli;
    }

    /**
     * The one-line report of a failure: its message and, for a file-system failure, the reason the system gave
     * (never a stack trace).
     */
    static String describe(final Throwable ex) {
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
            return "no such file or directory: " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() == null ? "" : ": " + f.getFile());
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
