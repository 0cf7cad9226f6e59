package dev.obscura.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code obscura} command. Each job is a subcommand; bad arguments print a short message and the usage, and
 * exit with status 2, never a stack trace.
 */
@Command(
    name = "obscura",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
        "Obscura: secure multi-party computation on tensors for the JVM.",
        "Values are secret-shared over the ring Z_2^64; native kernels do the arithmetic.",
    },
    subcommands = {DemoCommand.class, BackendsCommand.class, MnistCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class ObscuraCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (0 success, 1 failure, 2 bad usage). */
    public static int run(final String... args) {
        final CommandLine cli = new CommandLine(new ObscuraCommand());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("obscura: " + describe(ex)));
            return 1;
        });
        return cli.execute(args);
    }

    private static String describe(final Throwable ex) {
        final String message = ex.getMessage();
        return message == null ? ex.getClass().getSimpleName() : message;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
