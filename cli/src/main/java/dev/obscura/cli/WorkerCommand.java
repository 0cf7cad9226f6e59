package dev.obscura.cli;

import dev.obscura.data.LabelledImages;
import dev.obscura.data.MnistData;
import dev.obscura.federated.worker.WorkerConfig;
import dev.obscura.federated.worker.WorkerServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code obscura worker}: one worker of a {@link WorkerConfig}, serving its callers over mutual TLS until the
 * process is stopped (or {@code --run-for} has passed), optionally holding its own part of MNIST for
 * {@code obscura fl --config}.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a worker that holds data and computes for its callers.",
        "",
        "Listens where the configuration's worker.NAME says, over mutual TLS 1.3 with the certificate of NAME,"
            + " and serves only the callers the file allows (callers = ..., and the other workers). With --shard"
            + " I/N it loads MNIST and keeps part I of N (the split `obscura fl` makes with the same --seed and"
            + " --non-iid) as its data set 'mnist', which never leaves it. Runs until stopped (Ctrl-C).",
        "",
        "Example (one per host, or per terminal for a local trial; `obscura certs --workers workers.conf` makes"
            + " test certificates):",
        "  obscura worker --config workers.conf --name worker-0 --shard 0/2",
        ""})
final class WorkerCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true,
        description = "The worker configuration that the workers and their callers read.")
    private Path config;

    @Option(names = "--name", paramLabel = "NAME", required = true,
        description = "Which worker of the configuration this is.")
    private String name;

    @Option(names = "--shard", paramLabel = "I/N",
        description = "Hold part I of N of the MNIST training images (default: no data).")
    private String shard;

    @Option(names = "--non-iid", description = "With --shard: split by label, as `obscura fl --non-iid`.")
    private boolean nonIid;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
        description = "With --shard: the seed of the split, as `obscura fl --seed` (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "60000",
        description = "With --shard: split the first N training images (default: ${DEFAULT-VALUE}).")
    private int limit;

    @Option(names = "--run-for", paramLabel = "DURATION",
        description = "Stop after this long, e.g. 10m (default: run until the process is stopped).")
    private String runFor;

    @CommandLine.Mixin
    private DataOptions dataOptions;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        final Duration stopAfter = runFor == null ? null : parse(cmd, runFor);
        final WorkerConfig c = WorkerConfig.read(config);
        c.worker(name);
        final PrintWriter out = cmd.getOut();
        Map<String, LabelledImages> datasets = Map.of();
        if (shard != null) {
            final int[] part = parseShard(cmd, shard);
            final MnistData data = dataOptions.load(limit, 1, out);
            final LabelledImages mine = FlCommand.shard(data.train(), part[0], part[1], nonIid, seed);
            datasets = FlCommand.datasets(mine);
            out.printf("Holding part %d of %d of MNIST (%s split, seed %d): %,d images as data set '%s'%n", part[0],
                part[1], nonIid ? "by-label" : "IID", seed, mine.count(), FlCommand.DATASET);
        }
        final CountDownLatch stop = new CountDownLatch(1);
        try (WorkerServer server = WorkerServer.start(c, name, datasets)) {
            out.printf("Worker %s listening on %s (callers: %s)%n", name, server.address(),
                String.join(", ", c.allowedCallers()));
            out.flush();
            final Thread hook = new Thread(stop::countDown, "obscura-worker-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (stopAfter == null) {
                    stop.await();
                } else {
                    stop.await(stopAfter.toMillis(), TimeUnit.MILLISECONDS);
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.printf("Worker %s stopping (holds %d objects)%n", name, server.objectCount());
            out.flush();
        }
    }

    private static Duration parse(final CommandLine cmd, final String text) {
        try {
            return dev.obscura.network.Units.duration(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--run-for: " + e.getMessage());
        }
    }

    private static int[] parseShard(final CommandLine cmd, final String text) {
        final String[] parts = text.split("/");
        try {
            final int i = Integer.parseInt(parts[0].strip());
            final int n = Integer.parseInt(parts[1].strip());
            if (parts.length == 2 && n >= 1 && n <= 1000 && i >= 0 && i < n) {
                return new int[] {i, n};
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // reported below
        }
        throw new CommandLine.ParameterException(cmd, "--shard must be I/N with 0 <= I < N <= 1000, got "
            + dev.obscura.text.UntrustedText.quote(text));
    }
}
