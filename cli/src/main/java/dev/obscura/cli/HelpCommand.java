package dev.obscura.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code obscura help [COMMAND...]}: the help page of any command, nested ones included ({@code obscura help mnist
 * train}). Replaces picocli's built-in help subcommand, which reads only the first name and would silently show the
 * {@code mnist} page for {@code help mnist train}.
 */
@Command(name = "help", helpCommand = true, mixinStandardHelpOptions = true,
    description = {"Show the help of a command, e.g. `obscura help mnist train`.",
        "",
        "Shows the same page as the command's own --help: `obscura help mnist train` is `obscura mnist train --help`."})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
        description = "The command, and its subcommands, to show the help of (default: obscura itself).")
    private List<String> commands = new ArrayList<>();

    private CommandLine self;
    private CommandLine.Help.ColorScheme colorScheme;
    private PrintWriter out;

    @Override
    public void init(final CommandLine helpCommandLine, final CommandLine.Help.ColorScheme scheme,
        final PrintWriter outWriter, final PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colorScheme = scheme;
        this.out = outWriter;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        final List<String> path = new ArrayList<>();
        for (final String name : commands) {
            path.add(name);
            final CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                final List<String> names = new ArrayList<>(target.getSubcommands().keySet());
                final String where = target.getCommandSpec().qualifiedName();
                throw new CommandLine.ParameterException(self, "unknown command '" + String.join(" ", path) + "'"
                    + (names.isEmpty() ? ": '" + where + "' has no subcommands"
                        : "; the commands of '" + where + "' are: " + String.join(", ", names)));
            }
            target = sub;
        }
        target.usage(out, colorScheme);
        out.flush();
    }
}
