package dev.obscura.cli;

import dev.obscura.ring.MemoryBudget;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --memory-budget} option of the commands that compute: the off-heap memory the engine may hold
 * ({@link MemoryBudget}). It is attached to those commands here, in one place ({@link #attach}), and applied for the
 * run of the command by {@link #applying}: the process-wide budget is set before the command runs and restored after,
 * so the command classes need no code for it.
 */
final class MemoryOptions {
    /** The commands that compute on tensors, by their path below {@code obscura}. */
    static final List<List<String>> COMMANDS =
        List.of(List.of("demo"), List.of("mnist", "train"), List.of("mnist", "infer"));

    @Option(names = MemoryBudget.OPTION, paramLabel = "SIZE",
        description = {"Off-heap memory the engine may hold, e.g. 4g or 512m; an allocation beyond it fails with an"
            + " error instead of the system running out of memory.",
            "Default: -D" + MemoryBudget.PROPERTY + " if set, else three quarters of the memory left after the"
                + " Java heap."})
    private String budget;

    /** Adds the option to each of {@link #COMMANDS} of {@code top}. */
    static void attach(final CommandLine top) {
        for (final List<String> path : COMMANDS) {
            CommandLine cmd = top;
            for (final String name : path) {
                cmd = cmd.getSubcommands().get(name);
                if (cmd == null) {
                    throw new IllegalStateException("no command obscura " + String.join(" ", path)
                        + " to attach " + MemoryBudget.OPTION + " to");
                }
            }
            cmd.addMixin("memory", new MemoryOptions());
        }
    }

    /**
     * Runs {@code next} with the budget that the executed command's {@code --memory-budget} gives, if it has one,
     * and restores the budget before afterwards. A size that does not parse is bad usage (exit status 2).
     */
    static CommandLine.IExecutionStrategy applying(final CommandLine.IExecutionStrategy next) {
        return parsed -> {
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            final String size = leaf.hasMatchedOption(MemoryBudget.OPTION)
                ? leaf.matchedOptionValue(MemoryBudget.OPTION, "") : null;
            if (size == null) {
                return next.execute(parsed);
            }
            final long bytes;
            try {
                bytes = MemoryBudget.parse(size, MemoryBudget.OPTION);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(), e.getMessage(), e);
            }
            try (MemoryBudget.Restore restore = MemoryBudget.setLimit(bytes)) {
                return next.execute(parsed);
            }
        };
    }
}
