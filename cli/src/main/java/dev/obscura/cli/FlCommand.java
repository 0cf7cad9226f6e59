package dev.obscura.cli;

import dev.obscura.data.LabelledImages;
import dev.obscura.data.MnistData;
import dev.obscura.federated.fl.AdditiveAggregation;
import dev.obscura.federated.fl.Aggregation;
import dev.obscura.federated.fl.Client;
import dev.obscura.federated.fl.DpFedAvg;
import dev.obscura.federated.fl.FederatedAveraging;
import dev.obscura.federated.fl.FederatedResult;
import dev.obscura.federated.fl.Partitions;
import dev.obscura.federated.fl.RoundListener;
import dev.obscura.federated.fl.RoundReport;
import dev.obscura.federated.fl.SecureAggregation;
import dev.obscura.federated.fl.SecureSum;
import dev.obscura.federated.fl.WeightedAverage;
import dev.obscura.federated.worker.LocalTraining;
import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.RemoteWorkers;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.WorkerConfig;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.privacy.PrivacySpent;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code obscura fl}: federated averaging (McMahan et al. 2017) of {@link MnistCnn} on MNIST split among workers,
 * in this process ({@code --workers N}) or on remote workers ({@code --config FILE}, each started with
 * {@code obscura worker --shard}); prints every round's test accuracy with a progress bar per round.
 */
@Command(name = "fl", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Federated averaging of the MNIST classifier over workers.",
        "",
        "The workers keep their images; only the model and its updates travel.",
        "",
        "Each round sends the model to a sample of the workers (--fraction), each trains it on its own images for"
            + " --local-epochs epochs, and the server averages their updates weighted by their image counts"
            + " (McMahan et al., AISTATS 2017). After each round the server tests the model on its test set. A worker"
            + " that fails or does not finish within --round-timeout is dropped from that round.",
        "",
        "In-process (default): --workers N workers in this process, MNIST split among them IID, or by label with"
            + " --non-iid (each worker two shards of sorted digits). Remote: --config FILE names the workers, each"
            + " started with `obscura worker --config FILE --name NAME --shard I/N`; their images never come here.",
        "",
        "--secure-agg sums the updates by secure aggregation (Bonawitz et al., CCS 2017): each worker masks its"
            + " update, and the coordinator learns only their sum. --dp-epsilon or --dp-noise train with DP-FedAvg"
            + " (McMahan et al., ICLR 2018): each worker's update is clipped to --clip at the worker, weighted"
            + " equally, and Gaussian noise is added to the sum once per round; the privacy spent is printed after"
            + " every round. With both, the coordinator sees the sum before the noise, except with --secure-agg"
            + " additive, where the first aggregator adds it to its share (docs/PRIVACY.md).",
        "",
        "Example:",
        "  obscura fl --workers 10 --rounds 5",
        "  obscura fl --workers 10 --rounds 5 --secure-agg --dp-epsilon 8 --clip 1",
        ""})
final class FlCommand implements Runnable {
    /** The name prefix of in-process aggregator workers. */
    private static final String AGGREGATOR = "aggregator-";

    /** The name of the MNIST training part a worker holds. */
    static final String DATASET = "mnist";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "10",
        description = "In-process workers, 2 to 100 (default: ${DEFAULT-VALUE}).")
    private int workers;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "5",
        description = "Rounds of federated averaging (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--local-epochs", paramLabel = "E", defaultValue = "1",
        description = "Epochs each worker trains per round (default: ${DEFAULT-VALUE}).")
    private int localEpochs;

    @Option(names = "--fraction", paramLabel = "C", defaultValue = "1.0",
        description = "Fraction of the workers sampled each round, in (0, 1] (default: ${DEFAULT-VALUE}).")
    private double fraction;

    @Option(names = "--non-iid", description = "Split MNIST by label (two shards of sorted digits per worker)"
        + " instead of IID.")
    private boolean nonIid;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "32",
        description = "Images per local SGD step (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.05",
        description = "Local learning rate (default: ${DEFAULT-VALUE}).")
    private float learningRate;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.5",
        description = {"Local SGD momentum, reset each round (default: ${DEFAULT-VALUE}).",
            "0.9 learns IID splits a little faster but drives by-label workers so far apart that their average"
                + " collapses to one digit."})
    private float momentum;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "5e-4",
        description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    private float weightDecay;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
        description = "Seed of the initial weights, the split, the sampling and the local orders (default:"
            + " ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--round-timeout", paramLabel = "DURATION", defaultValue = "30m",
        description = "The longest a round waits for its workers, e.g. 90s or 30m (default: ${DEFAULT-VALUE}).")
    private String roundTimeout;

    @Option(names = "--parallel", paramLabel = "K", defaultValue = "0",
        description = "At most K workers train at once (default: the number of cores in-process, every sampled"
            + " worker with --config).")
    private int parallel;

    @Option(names = "--config", paramLabel = "FILE",
        description = "Remote workers: the worker configuration; each worker holds its own MNIST part.")
    private Path config;

    @Option(names = "--caller", paramLabel = "NAME", defaultValue = "coordinator",
        description = "With --config: this process's certificate name (default: ${DEFAULT-VALUE}).")
    private String caller;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "60000",
        description = "In-process: split the first N training images (default: ${DEFAULT-VALUE}, all).")
    private int limit;

    @Option(names = "--test-limit", paramLabel = "N", defaultValue = "10000",
        description = "Test on the first N test images (default: ${DEFAULT-VALUE}, all).")
    private int testLimit;

    @Option(names = "--model", paramLabel = "FILE",
        description = "Save the final model here (default: not saved).")
    private Path modelFile;

    @Option(names = "--secure-agg", paramLabel = "pairwise|additive", arity = "0..1", fallbackValue = "pairwise",
        description = {"Sum the updates by secure aggregation: the coordinator learns only the sum. Needs 2 or more"
            + " workers per round.",
            "pairwise (the default): Bonawitz et al. pairwise masking across the workers, dropped workers recovered.",
            "additive: each worker shares its update among aggregator workers (--aggregators, or --aggregator with"
                + " --config), who must not all collude."})
    private String secureAgg;

    @Option(names = "--aggregators", paramLabel = "K", defaultValue = "2",
        description = "With --secure-agg additive, in-process: K more workers that aggregate (default:"
            + " ${DEFAULT-VALUE}).")
    private int aggregatorCount;

    @Option(names = "--aggregator", paramLabel = "NAME",
        description = "With --secure-agg additive and --config: a worker of the configuration that aggregates"
            + " (repeat, at least twice); the other workers train.")
    private List<String> aggregatorNames = new ArrayList<>();

    @CommandLine.ArgGroup(exclusive = false, heading = "%nDifferential privacy (DP-FedAvg, user level):%n")
    private DpOptions dp;

    /** The DP-FedAvg options (McMahan et al., ICLR 2018; docs/PRIVACY.md). */
    static final class DpOptions {
        @Option(names = "--dp-epsilon", paramLabel = "E",
            description = "Train with DP-FedAvg, calibrating the noise so that all the rounds spend at most this"
                + " epsilon.")
        private Double epsilon;

        @Option(names = "--dp-noise", paramLabel = "SIGMA",
            description = "Train with DP-FedAvg at this noise multiplier (instead of --dp-epsilon).")
        private Double noise;

        @Option(names = "--dp-delta", paramLabel = "D", defaultValue = "1e-5",
            description = "The delta of the reported (epsilon, delta) (default: ${DEFAULT-VALUE}; keep it below"
                + " 1/workers).")
        private double delta = 1e-5;

        @Option(names = "--clip", paramLabel = "C", defaultValue = "1.0",
            description = "Clip each worker's update to this L2 norm, at the worker (default: ${DEFAULT-VALUE}).")
        private double clip = 1.0;
    }

    @CommandLine.Mixin
    private DataOptions dataOptions;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, config != null || workers >= 2 && workers <= 100,
            "--workers must be between 2 and 100, workers=" + workers);
        MnistCommand.check(cmd, rounds >= 1 && rounds <= 10_000, "--rounds must be between 1 and 10000");
        MnistCommand.check(cmd, localEpochs >= 1 && localEpochs <= 1000, "--local-epochs must be between 1 and 1000");
        MnistCommand.check(cmd, fraction > 0 && fraction <= 1, "--fraction must be in (0, 1], fraction=" + fraction);
        MnistCommand.check(cmd, batch >= 1 && batch <= MnistCommand.MAX_BATCH, "--batch must be between 1 and "
            + MnistCommand.MAX_BATCH);
        MnistCommand.check(cmd, limit >= 1 && testLimit >= 1, "--limit and --test-limit must be at least 1");
        MnistCommand.check(cmd, parallel >= 0, "--parallel must be 0 or more");
        if (dp != null) {
            MnistCommand.check(cmd, dp.epsilon != null || dp.noise != null,
                "give --dp-epsilon or --dp-noise with the other differential privacy options");
            MnistCommand.check(cmd, dp.epsilon == null || dp.noise == null,
                "give only one of --dp-epsilon and --dp-noise");
            MnistCommand.check(cmd, dp.epsilon == null || dp.epsilon > 0 && Double.isFinite(dp.epsilon),
                "--dp-epsilon must be a positive number, epsilon=" + dp.epsilon);
            MnistCommand.check(cmd, dp.noise == null || dp.noise > 0 && Double.isFinite(dp.noise),
                "--dp-noise must be a positive number, noise=" + dp.noise);
            MnistCommand.check(cmd, dp.delta > 0 && dp.delta < 1, "--dp-delta must be in (0, 1), delta=" + dp.delta);
            MnistCommand.check(cmd, dp.clip > 0 && Double.isFinite(dp.clip),
                "--clip must be a positive number, clip=" + dp.clip);
        }
        MnistCommand.check(cmd, secureAgg == null || "pairwise".equals(secureAgg) || "additive".equals(secureAgg),
            "--secure-agg must be pairwise or additive, secure-agg=" + secureAgg);
        MnistCommand.check(cmd, additive() || aggregatorNames.isEmpty(),
            "--aggregator needs --secure-agg additive");
        MnistCommand.check(cmd, !additive() || config != null || aggregatorCount >= 2 && aggregatorCount <= 64,
            "--aggregators must be between 2 and 64, aggregators=" + aggregatorCount);
        MnistCommand.check(cmd, !additive() || config == null || aggregatorNames.size() >= 2,
            "--secure-agg additive with --config needs two or more --aggregator NAME");
        if (secureAgg != null && config == null) {
            MnistCommand.check(cmd, FederatedAveraging.sampleSize(fraction, workers) >= 2,
                "--secure-agg needs 2 or more workers per round: raise --fraction or --workers");
        }
        final Duration timeout;
        try {
            timeout = dev.obscura.network.Units.duration(roundTimeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--round-timeout: " + e.getMessage());
        }
        final LocalTraining training;
        try {
            training = new LocalTraining(localEpochs, batch, learningRate, momentum, weightDecay, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        if (modelFile != null) {
            MnistCommand.requireWritable(modelFile, "--model");
        }
        final PrintWriter out = cmd.getOut();
        final MnistData data = dataOptions.load(config == null ? limit : 1, testLimit, out);
        final ModelSpec model = ModelSpec.of(MnistCnn.create(new PlainEngine(), seed));
        try (Workers pool = config == null ? inProcess(data.train(), out) : remote(out)) {
            final List<Worker> aggregators = new ArrayList<>();
            final List<Worker> all = new ArrayList<>();
            for (final Worker w : pool.all()) {
                // In-process aggregators are the extra workers; remote ones are named.
                final boolean aggregates = config == null ? w.name().startsWith(AGGREGATOR)
                    : aggregatorNames.contains(w.name());
                (aggregates ? aggregators : all).add(w);
            }
            MnistCommand.check(cmd, aggregators.size() == (config == null ? additive() ? aggregatorCount : 0
                : aggregatorNames.size()), "--aggregator names a worker the configuration does not have,"
                + " aggregators=" + aggregatorNames);
            final List<LabelledImages> split = config != null ? null : nonIid
                ? Partitions.byLabel(data.train(), all.size(), 2, seed)
                : Partitions.iid(data.train(), all.size(), seed);
            final List<Client> clients = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                // In-process, each worker's owner puts its part there; remote workers hold theirs already.
                final Worker w = all.get(i);
                clients.add(new Client(w, split != null ? w.send(split.get(i)) : w.dataset(DATASET)));
            }
            final Aggregation aggregation = aggregation(all.size(), aggregators, timeout);
            out.printf("MnistCnn (%,d parameters), %d rounds, %d local epoch(s), fraction %s, batch %d, lr %s,"
                + " momentum %s, weight decay %s, test on %,d images%n", model.parameterCount(), rounds, localEpochs,
                fraction, batch, learningRate, momentum, weightDecay, data.test().count());
            out.println("Aggregation: " + describe(aggregation));
            out.flush();
            final FederatedResult result = FederatedAveraging.builder().model(model).initSeed(seed).rounds(rounds)
                .fraction(fraction).localTraining(training).roundTimeout(timeout).sampleSeed(seed)
                .parallelism(parallel > 0 ? parallel : config == null ? Runtime.getRuntime().availableProcessors() : 0)
                .aggregation(aggregation).testSet(data.test()).listener(new Shown(out, rounds)).build().run(clients);
            summary(result, out);
            out.println("Aggregation: " + describe(aggregation));
            if (aggregation instanceof DpFedAvg d) {
                final PrivacySpent spent = d.spent();
                out.printf("Privacy spent: epsilon = %.4f at delta = %s after %d rounds (user level; noise multiplier"
                    + " %.4f, clip %s, q = %.4f, Renyi order %s)%n", spent.epsilon(), spent.delta(), d.rounds(),
                    d.noiseMultiplier(), d.clipNorm(), d.sampleRate(), spent.order());
            } else {
                out.println("Privacy spent: no differential privacy (give --dp-epsilon or --dp-noise)");
            }
            if (modelFile != null) {
                ModelFile.write(result.model(), modelFile);
                out.println("Model saved to " + modelFile.toAbsolutePath());
            }
        }
    }

    /**
     * The aggregation the options ask for, for {@code total} workers: weighted averaging, secure aggregation,
     * DP-FedAvg on either; every bad combination refused here, before any training.
     */
    private Aggregation aggregation(final int total, final List<Worker> aggregators, final Duration timeout) {
        final CommandLine cmd = spec.commandLine();
        final int perRound = FederatedAveraging.sampleSize(fraction, total);
        MnistCommand.check(cmd, secureAgg == null || perRound >= 2 && (additive() || perRound <= 255),
            "--secure-agg needs 2 or more workers per round (pairwise: at most 255), workers per round=" + perRound);
        final SecureSum secure = secureAgg == null ? null : additive()
            ? new AdditiveAggregation(aggregators, SecureAggregation.DEFAULT_FRAC_BITS, timeout)
            : new SecureAggregation(SecureAggregation.DEFAULT_FRAC_BITS, timeout);
        if (dp == null) {
            return secure != null ? secure : new WeightedAverage();
        }
        final double q = (double) perRound / total;
        try {
            final double sigma = dp.noise != null ? dp.noise
                : DpFedAvg.noiseMultiplierFor(dp.epsilon, dp.delta, q, rounds);
            final DpFedAvg.Builder b = DpFedAvg.builder().clipNorm(dp.clip).noiseMultiplier(sigma).delta(dp.delta)
                .workers(total, perRound);
            return (secure != null ? b.secure(secure) : b).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "differential privacy: " + e.getMessage());
        }
    }

    /** One line on who sees what. */
    private String describe(final Aggregation a) {
        if (a instanceof DpFedAvg d) {
            return String.format("DP-FedAvg (McMahan et al. 2018), %s: updates clipped to %s at each worker,"
                + " discrete Gaussian noise of std %.4f (noise multiplier %.4f%s) added to the sum, divided by %d"
                + " workers per round (q = %.4f)%s", secureAgg != null ? "sum by " + describe(d.secureSum())
                : "sum at the coordinator", d.clipNorm(), d.noiseStdDev(), d.noiseMultiplier(), dp.epsilon != null
                ? ", calibrated for epsilon " + dp.epsilon + " at delta " + dp.delta + " over " + rounds + " rounds"
                : "", d.expectedWorkers(), d.sampleRate(), secureAgg != null
                ? "; the coordinator sees only the sum, before the noise" : "");
        }
        if (a instanceof SecureAggregation) {
            return "secure aggregation (Bonawitz et al. 2017, pairwise masks, Shamir recovery of dropped workers):"
                + " the coordinator learns only the sum of n_k * update_k";
        }
        if (a instanceof AdditiveAggregation x) {
            return "secure aggregation by additive sharing among " + x.aggregators().size() + " aggregator workers ("
                + String.join(", ", x.aggregators().stream().map(Worker::name).toList()) + "): the coordinator learns"
                + " only the sum of n_k * update_k, unless every aggregator colludes";
        }
        return "weighted average at the coordinator (it sees every update)";
    }

    private boolean additive() {
        return "additive".equals(secureAgg);
    }

    private Workers inProcess(final LabelledImages train, final PrintWriter out) {
        MnistCommand.check(spec.commandLine(), (long) workers * (nonIid ? 2 : 1) <= train.count(),
            "too few training images for --workers, images=" + train.count() + ", workers=" + workers);
        final LocalWorkers.Builder b = LocalWorkers.builder().timeout(Duration.ofMinutes(5));
        for (int i = 0; i < workers; i++) {
            b.worker("worker-" + i);
        }
        if (additive()) {
            for (int j = 0; j < aggregatorCount; j++) {
                b.worker(AGGREGATOR + j);
            }
            out.printf("%d in-process aggregator workers for additive secure aggregation%n", aggregatorCount);
        }
        out.printf("%d in-process workers, MNIST split %s: %,d training images each%n", workers,
            nonIid ? "by label (two shards of sorted digits each)" : "IID", train.count() / workers);
        return b.build();
    }

    private Workers remote(final PrintWriter out) {
        final WorkerConfig c = WorkerConfig.read(config);
        out.printf("%d remote workers of %s, as %s; each holds its own MNIST part%n", c.workerNames().size(),
            config, caller);
        return RemoteWorkers.connect(c, caller);
    }

    private static void summary(final FederatedResult result, final PrintWriter out) {
        final Tables table = new Tables("round", "test acc", "train loss", "workers", "dropped", "time",
            "MB per worker", "epsilon");
        for (final RoundReport r : result.rounds()) {
            table.row(Integer.toString(r.round()), String.format("%.2f%%", 100 * r.testAccuracy()),
                String.format("%.4f", r.trainLoss()), r.aggregated().size() + "/" + r.sampled().size(),
                r.dropped().isEmpty() ? "-" : String.join(" ", r.dropped().keySet()), Tables.duration(r.seconds()),
                String.format("%.2f", r.bytesPerClient() / 1e6),
                r.privacy() == null ? "-" : String.format("%.4f", r.privacy().epsilon()));
        }
        out.println();
        table.print(out);
        out.printf("Final test accuracy: %.2f%%%n", 100 * result.finalAccuracy());
    }

    /** A progress display per round, counted in images trained, and one line per round and per dropped worker. */
    private static final class Shown implements RoundListener {
        private final PrintWriter out;
        private final int rounds;
        private Progress progress;

        Shown(final PrintWriter out, final int rounds) {
            this.out = out;
            this.rounds = rounds;
        }

        @Override
        public void roundStarted(final int round, final int clients, final long samples) {
            progress = Progress.start("round " + round + "/" + rounds + " (" + clients + " workers)", samples, out);
        }

        @Override
        public void clientTrained(final String client, final int samples) {
            progress.step(samples, client + " done");
        }

        @Override
        public void clientDropped(final int round, final String client, final String reason) {
            out.println("  round " + round + ": dropped " + client + ": " + reason);
            out.flush();
        }

        @Override
        public void roundDone(final RoundReport r) {
            progress.close();
            out.printf("round %d/%d: test accuracy %.2f%%, train loss %.4f, %d/%d workers, %s, %.2f MB per worker%s%n",
                r.round(), rounds, 100 * r.testAccuracy(), r.trainLoss(), r.aggregated().size(), r.sampled().size(),
                Tables.duration(r.seconds()), r.bytesPerClient() / 1e6, r.privacy() == null ? ""
                    : String.format(", epsilon %.4f (delta %s)", r.privacy().epsilon(), r.privacy().delta()));
            out.flush();
        }
    }

    /** For the worker command: part {@code index} of {@code count} of {@code train}, as {@code obscura fl} splits. */
    static LabelledImages shard(final LabelledImages train, final int index, final int count, final boolean byLabel,
                                final long seed) {
        return (byLabel ? Partitions.byLabel(train, count, 2, seed) : Partitions.iid(train, count, seed)).get(index);
    }

    /** The datasets a worker holds: its MNIST part as {@value #DATASET}. */
    static Map<String, LabelledImages> datasets(final LabelledImages part) {
        return Map.of(DATASET, part);
    }
}
