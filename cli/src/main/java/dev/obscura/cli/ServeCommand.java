package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code obscura serve}: one compute party of the encrypted inference service ({@link InferenceService}), from the
 * deployment's network configuration. Clients ({@code obscura classify}, {@link dev.obscura.client.ObscuraClient})
 * reach it on the party's port plus {@link #PORT_OFFSET} unless {@code --listen} says otherwise.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run one compute party of the encrypted inference service.",
        "",
        "The compute parties hold the MnistCnn weights in shares (the model owner, role.model-owner, default party"
            + " 0, shares its --model once at start-up); clients secret-share their images to every party over"
            + " mutual TLS and get back shares of the logits, which only they add up. Party 0 batches the clients'"
            + " requests (--max-batch images, waiting at most --max-wait) into one secure forward pass; a thread at"
            + " each party fetches the dealer's correlated randomness for upcoming batches meanwhile (--pool-depth)."
            + " Trust: semi-honest, non-colluding compute parties and dealer.",
        "",
        "Without a dealer online: record the plan of K passes (--record-plan FILE --batches K, the dealer online),"
            + " have the dealer write the files (`obscura dealer --plan FILE --out DIR`), then serve K passes from them"
            + " (--preprocessing FILE --batches K at each party; the same --max-batch); the service stops after them.",
        "",
        "Example (four terminals, after `obscura certs --config network.conf --client alice`):",
        "  obscura dealer --config network.conf",
        "  obscura serve --config network.conf --id 0 --model model.obscura",
        "  obscura serve --config network.conf --id 1",
        "  obscura classify --config network.conf --name alice --mnist-test 100",
        ""})
final class ServeCommand implements Runnable {
    /** Clients reach party N's service on its configured port plus this, unless --listen is given. */
    static final int PORT_OFFSET = 1000;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--id", paramLabel = "N", required = true, description = "This party's id in the configuration.")
    private int id;

    @CommandLine.Mixin
    private NetworkOptions network;

    @Option(names = "--model", paramLabel = "FILE",
        description = "The model file (at the model owner only; from `obscura mnist train`).")
    private Path model;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
        description = "Where clients connect (default: the party's host, its port + " + PORT_OFFSET + ").")
    private String listen;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64",
        description = "Images per secure forward pass, and per request at most (default: ${DEFAULT-VALUE}).")
    private int maxBatch;

    @Option(names = "--max-wait", paramLabel = "MS", defaultValue = "20",
        description = "The longest a request waits for others to fill its batch, ms (default: ${DEFAULT-VALUE}).")
    private int maxWaitMillis;

    @Option(names = "--pool-depth", paramLabel = "N", defaultValue = "2",
        description = "Forward passes of correlated randomness to keep ready (default: ${DEFAULT-VALUE}).")
    private int poolDepth;

    @CommandLine.Mixin
    private PlanOptions plan;

    @Option(names = "--batches", paramLabel = "K", defaultValue = "0",
        description = {"Run K secure forward passes, then stop (each padded to --max-batch; no pool). Required with"
            + " --record-plan (the plan of K passes, for `obscura dealer --plan`) and with --preprocessing (a file"
            + " made for the same K, --max-batch and model owner). Default: serve until stopped."})
    private int batches;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "50",
        description = "Requests per second each client may send (default: ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--clients", paramLabel = "NAME", split = ",",
        description = "Certificate names allowed to call (default: any certificate from the configured CA).")
    private List<String> clients;

    @Option(names = "--stats-every", paramLabel = "S", defaultValue = "10",
        description = "Print the service's counters every S seconds (default: ${DEFAULT-VALUE}; 0: never).")
    private int statsSeconds;

    @Option(names = "--backend", paramLabel = "NAME",
        description = {"The ring-arithmetic backend (see `obscura backends`).", "Default: the best available."})
    private String backendName;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, network.given(), "--config FILE is required");
        final Backend backend = PartyOptions.resolve(cmd, backendName);
        final NetworkConfig config = network.read();
        MnistCommand.check(cmd, id >= 0 && id < config.parties(), "--id must be a party of " + config.source()
            + ", 0.." + (config.parties() - 1) + ", id=" + id);
        final int owner = config.role("model-owner", MnistCommand.MODEL_OWNER);
        MnistCommand.check(cmd, (id == owner) == (model != null), id == owner
            ? "--model FILE is required at the model owner, party " + owner
            : "--model is read by the model owner, party " + owner + ", not by party " + id);
        final boolean planned = plan.preprocessing != null || plan.recordPlan != null;
        MnistCommand.check(cmd, batches >= 0 && batches <= 1_000_000, "--batches must be between 0 and 1000000,"
            + " batches=" + batches);
        MnistCommand.check(cmd, !planned || batches > 0, "--preprocessing and --record-plan need --batches K: the"
            + " number of forward passes the file serves (or the plan records)");
        MnistCommand.check(cmd, batches == 0 || planned, "--batches applies only with --preprocessing or"
            + " --record-plan");
        MnistCommand.check(cmd, plan.preprocessing == null || plan.recordPlan == null, "--preprocessing and"
            + " --record-plan do not go together: record with the dealer online, then serve from the files");
        MnistCommand.check(cmd, !planned || !cmd.getParseResult().hasMatchedOption("--pool-depth"), "--pool-depth"
            + " does not apply with --preprocessing or --record-plan: the file is the pool");
        final ModelData weights = model == null ? null : ModelFile.read(model);
        final NetworkConfig.Endpoint me = config.endpoint(id);
        final InetSocketAddress address = listen != null ? parse(cmd, listen)
            : new InetSocketAddress(me.host(), me.port() + PORT_OFFSET);
        final InferenceService.Settings settings;
        try {
            settings = new InferenceService.Settings(address, clients == null ? n -> true : Set.copyOf(clients)::contains,
                maxBatch, Duration.ofMillis(maxWaitMillis), planned ? 0 : poolDepth, rate, 8, Duration.ofSeconds(5),
                config.timeout().plusSeconds(30));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage(), e);
        }
        final Tls tls = Tls.forFiles(config.certificateFile(me), config.keyFile(me), config.caFile(), TlsProvider.AUTO,
            config.source(), me.name());
        final PrintWriter out = cmd.getOut();
        out.println("obscura serve: " + NetworkOptions.describe(config, id, backend, network.emulation(cmd)));
        final EndpointRuntime.Context context = network.context(cmd, config, id, backend);
        final InferenceService service = planned
            ? InferenceService.start(config, id, plan.apply(context, InferenceService.computation(maxBatch, batches,
                owner, config.fixedPointBits())), weights, owner, settings, tls, new InferenceService.Plan(batches))
            : InferenceService.start(config, id, context, weights, owner, settings, tls);
        out.println("clients connect to " + me.name() + " at " + service.address().getHostString() + ":"
            + service.address().getPort() + " (max-batch " + maxBatch + ", max-wait " + maxWaitMillis + " ms, "
            + (planned ? batches + " batches " + (plan.preprocessing != null ? "from " + plan.preprocessing
            : "recording the plan to " + plan.recordPlan) : "pool-depth " + poolDepth) + ")");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "obscura-serve-stop"));
        while (true) {
            try {
                service.done().get(statsSeconds > 0 ? statsSeconds : 3600, TimeUnit.SECONDS);
                break;
            } catch (TimeoutException e) {
                if (statsSeconds > 0) {
                    out.println("stats: " + service.stats());
                    out.flush();
                }
            } catch (Exception e) {
                break;
            }
        }
        out.println("stats: " + service.stats());
        out.flush();
        if (service.failure() != null) {
            throw new IllegalStateException(service.failure());
        }
    }

    static InetSocketAddress parse(final CommandLine cmd, final String hostPort) {
        final int colon = hostPort.lastIndexOf(':');
        try {
            return new InetSocketAddress(colon < 0 ? "0.0.0.0" : hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "expected HOST:PORT, got '" + hostPort + "'", e);
        }
    }
}
