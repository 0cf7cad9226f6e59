package dev.obscura.cli;

import dev.obscura.backend.BackendProvider;
import dev.obscura.backend.Backends;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Lists every registered backend, whether it can run here and why not, and which one is the default. */
@Command(name = "backends", mixinStandardHelpOptions = true,
    description = "List the backends, whether each can run on this machine, and the default.")
final class BackendsCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        final PrintWriter out = spec.commandLine().getOut();
        out.printf("%-12s %-6s %s%n", "backend", "rank", "status");
        for (final BackendProvider p : Backends.providers()) {
            final Optional<String> reason = p.unavailableReason();
            out.printf("%-12s %-6d %s%n", p.name(), p.rank(),
                reason.map(r -> "unavailable: " + r).orElseGet(() -> Backends.byName(p.name()).description()));
        }
        out.println("default: " + Backends.defaultBackend().name()
            + " (override with --backend, -D" + Backends.PROPERTY + "=NAME or " + Backends.ENVIRONMENT + "=NAME)");
    }
}
