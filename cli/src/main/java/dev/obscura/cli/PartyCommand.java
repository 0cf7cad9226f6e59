package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Counters;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.NetworkConfig;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code obscura party}: runs one party of a deployment as this process, over mutual TLS to the other parties and the
 * dealer, all named in one configuration file. Its program is {@link MatmulCheck}, a secure matrix product checked
 * against plaintext: a connectivity and speed check of the deployment (the MNIST job is
 * {@code obscura mnist infer --secure --config FILE --id N}).
 */
@Command(name = "party", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run one party over TLS: a secure matrix product, checked.",
        "",
        "Every party and the dealer read the same configuration (hosts, certificates, suite, time-outs; the"
            + " README shows one) and start in any order: each waits for the others up to the connect-timeout."
            + " Party 0 shares a matrix A, party 1 a matrix B (public test data from --data-seed), the parties"
            + " multiply them on shares and open the product, and each checks it against plaintext and prints the"
            + " time, rounds and bytes. A failure anywhere stops every endpoint at once; the failing one is named.",
        "",
        "Example (three terminals, after `obscura certs --config network.conf`):",
        "  obscura dealer --config network.conf",
        "  obscura party --config network.conf --id 0",
        "  obscura party --config network.conf --id 1",
        ""})
final class PartyCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--id", paramLabel = "N", required = true, description = "This party's id in the configuration.")
    private int id;

    @CommandLine.Mixin
    private NetworkOptions network;

    @Option(names = "--backend", paramLabel = "NAME",
        description = {"The ring-arithmetic backend (see `obscura backends`).", "Default: the best available."})
    private String backendName;

    @CommandLine.Mixin
    private MatmulOptions matmul;

    @Option(names = "--data-seed", paramLabel = "S", defaultValue = "1",
        description = "Seed of the public test matrices; every party must use the same (default: ${DEFAULT-VALUE}).")
    private long dataSeed;

    @CommandLine.Mixin
    private PlanOptions plan;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, network.given(), "--config FILE is required");
        matmul.check(cmd);
        final Backend backend = PartyOptions.resolve(cmd, backendName);
        final NetworkConfig config = network.read();
        MnistCommand.check(cmd, id >= 0 && id < config.parties(), "--id must be a party of " + config.source()
            + ", 0.." + (config.parties() - 1) + ", id=" + id);
        final MatmulCheck check = matmul.product(dataSeed);
        final EndpointRuntime.Context context = plan.apply(network.context(cmd, config, id, backend),
            check.computation());
        final PrintWriter out = cmd.getOut();
        out.println("obscura " + NetworkOptions.describe(config, id, backend, network.emulation(cmd)));
        out.flush();
        final MatmulCheck.Report r = EndpointRuntime.runParty(context, check::run);
        print(out, check, r);
    }

    static void print(final PrintWriter out, final MatmulCheck check, final MatmulCheck.Report r) {
        final Counters c = r.perProduct();
        out.printf("secure matmul %dx%dx%d, %d runs: median %.3f ms; max |error| %.3e within the bound %.3e%n",
            check.m(), check.k(), check.n(), check.repeat(), r.medianMillis(), r.maxError(), r.bound());
        out.printf("one product: %d rounds, %,d bytes sent to the parties, %,d bytes with the dealer%n", c.rounds(),
            c.bytesSent(), c.dealerBytes());
        out.println("opened product digest " + r.productDigest() + " (the same at every party)");
        out.flush();
    }
}
