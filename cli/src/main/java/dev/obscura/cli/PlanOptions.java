package dev.obscura.cli;

import dev.obscura.network.EndpointRuntime;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of a party process about the dealer's preprocessing: take it from a file made ahead of time, or record
 * the plan that a dealer makes such files from.
 */
final class PlanOptions {
    @Option(names = "--preprocessing", paramLabel = "FILE",
        description = {"Take the dealer's correlated randomness from this file (made by `obscura dealer --out`)"
            + " instead of the dealer online: no dealer process is needed. A file serves once."})
    Path preprocessing;

    @Option(names = "--record-plan", paramLabel = "FILE",
        description = "Write what this run took from the dealer (shapes only) to FILE, for `obscura dealer --plan`.")
    Path recordPlan;

    /** {@code context} with these options, for the computation called {@code computation}. */
    EndpointRuntime.Context apply(final EndpointRuntime.Context context, final String computation) {
        return context.computation(computation).preprocessing(preprocessing).recordPlan(recordPlan);
    }
}
