package dev.obscura.cli;

import dev.obscura.backend.BackendProvider;
import dev.obscura.backend.Backends;
import dev.obscura.backend.FloatGemmProvider;
import dev.obscura.backend.FloatGemms;
import dev.obscura.nn.engine.PlainEngine;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * Lists every registered backend, whether it can run here and why not, and which one is the default; then the same
 * for the plaintext GEMMs behind the {@code float} engine.
 */
@Command(name = "backends", mixinStandardHelpOptions = true,
    description = {"List the backends and plaintext GEMMs that can run here.",
        "",
        "The ring backends do the arithmetic of secure computation, the plaintext GEMMs that of float training and"
            + " inference. Shows whether each can run on this machine, and why not, and the defaults."})
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
        out.println();
        out.printf("%-12s %-6s %s%n", "plain GEMM", "rank", "status");
        for (final FloatGemmProvider p : FloatGemms.providers()) {
            out.printf("%-12s %-6d %s%n", p.name(), p.rank(),
                p.unavailableReason().map(r -> "unavailable: " + r).orElse("available"));
        }
        out.println("default: " + new PlainEngine().gemmName()
            + " (override with -D" + FloatGemms.PROPERTY + "=NAME or " + FloatGemms.ENVIRONMENT + "=NAME)");
    }
}
