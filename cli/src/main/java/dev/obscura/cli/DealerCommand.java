package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.NetworkConfig;
import dev.obscura.protocols.dealer.PreprocessingFileWriter;
import dev.obscura.protocols.dealer.PreprocessingPlan;
import dev.obscura.text.UntrustedText;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code obscura dealer}: runs the dealer (the additive suite's helper) of a deployment as this process. Online, it
 * serves the parties' requests for correlated randomness over TLS until they close. With {@code --plan} and
 * {@code --out}, it runs ahead of time instead: it writes each party's share of that plan's preprocessing to a signed
 * file and exits, and the parties take their files with {@code --preprocessing}.
 */
@Command(name = "dealer", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run the dealer over TLS, or ahead of time into files.",
        "",
        "Online (the default), the dealer serves the parties' requests for correlated randomness (Beaver triples,"
            + " truncation and comparison masks) until they close their connections; with --keep-serving it then"
            + " waits for them again (the dealer of `obscura serve`, so that a restarted compute party can rejoin).",
        "",
        "Ahead of time, with --plan and --out, it writes one signed file per party per run, in a folder per run"
            + " under --out, for the computation the plan describes, and exits. A plan is recorded by a party:"
            + " `obscura party ..."
            + " --record-plan FILE`. Each party then runs with --preprocessing FILE and no dealer online. A file serves"
            + " one run of that computation, for its party and this configuration only; anything else is refused.",
        "",
        "Examples:",
        "  obscura dealer --config network.conf",
        "  obscura dealer --config network.conf --keep-serving",
        "  obscura dealer --config network.conf --plan matmul.plan --out prep --runs 3",
        ""})
final class DealerCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private NetworkOptions network;

    @Option(names = "--backend", paramLabel = "NAME",
        description = {"The ring-arithmetic backend (see `obscura backends`).", "Default: the best available."})
    private String backendName;

    @Option(names = "--plan", paramLabel = "FILE", description = "Ahead of time: the plan to make preprocessing for.")
    private Path plan;

    @Option(names = "--out", paramLabel = "DIR", description = "Ahead of time: where to write the files.")
    private Path out;

    @Option(names = "--keep-serving", description = "Online: after the parties close or fail, wait for them again,"
        + " until stopped (for `obscura serve`).")
    private boolean keepServing;

    @Option(names = "--runs", paramLabel = "K", defaultValue = "1",
        description = "Ahead of time: how many runs to make, each used once (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, network.given(), "--config FILE is required");
        MnistCommand.check(cmd, (plan == null) == (out == null), "--plan and --out go together: give both to write"
            + " preprocessing files, or neither to serve online");
        MnistCommand.check(cmd, runs >= 1 && runs <= 1000, "--runs must be between 1 and 1000, runs=" + runs);
        MnistCommand.check(cmd, plan != null || !cmd.getParseResult().hasMatchedOption("--runs"),
            "--runs applies only with --plan and --out");
        MnistCommand.check(cmd, plan == null || !keepServing, "--keep-serving applies only online, not with --plan");
        final Backend backend = PartyOptions.resolve(cmd, backendName);
        final NetworkConfig config = network.read();
        final ProtocolSuite suite = NetworkOptions.suite(config);
        if (suite.helperRoles().isEmpty()) {
            throw new IllegalStateException(config.source() + ": suite " + suite.name() + " has no dealer");
        }
        final HelperRole role = suite.helperRoles().get(0);
        final int self = config.endpoint(role.name()).id();
        final EndpointRuntime.Context context = network.context(cmd, config, self, backend);
        final PrintWriter w = cmd.getOut();
        if (plan == null) {
            w.println("obscura " + NetworkOptions.describe(config, self, backend, network.emulation(cmd))
                + ": serving the parties");
            w.flush();
            if (!keepServing) {
                EndpointRuntime.runHelper(context);
                w.println("the parties closed: done");
                w.flush();
                return;
            }
            for (long session = 1; ; session++) {
                try {
                    EndpointRuntime.runHelper(context);
                    w.println("session " + session + ": the parties closed; waiting for them again");
                } catch (RuntimeException e) {
                    // One line, as the top-level handler would print it: the reason, never a value.
                    w.println("session " + session + " failed: " + UntrustedText.printable(
                        ObscuraCommand.describe(e).lines().findFirst().orElse(""), ObscuraCommand.MAX_LINE_CHARS)
                        + "; waiting for the parties again");
                }
                w.flush();
            }
        }
        final PreprocessingPlan p = PreprocessingPlan.read(plan);
        w.printf("Writing %d run(s) of '%s' (%d requests) for %d parties into %s%n", runs, p.computation(), p.size(),
            config.parties(), out);
        for (final PreprocessingFileWriter.Run r : EndpointRuntime.writePreprocessing(context, p, out, runs)) {
            w.println("run " + r.runId().substring(0, 12) + ":");
            for (final Path f : r.files()) {
                w.println("  " + f);
            }
        }
        w.println("Give each party its own file only (it holds that party's secret seed), for example with scp;"
            + " each file serves one run.");
    }
}
