package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.network.LinkEmulation;
import dev.obscura.network.LoopbackNetwork;
import dev.obscura.network.TlsProvider;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.protocols.ClusterNetwork;
import dev.obscura.protocols.LocalCluster;
import dev.obscura.protocols.LocalParties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the network costs the secure workloads: matmul 512^3, ReLU of 2^20 values and a MnistCnn inference of 64
 * images, with 2 parties and the dealer, on each link: in-process, TCP with TLS 1.3 on loopback, and the same with an
 * emulated round-trip time of 1 ms and 20 ms (and plain TCP without TLS, on request). Prints a Markdown table of the
 * median time and its ratio to the in-process time, the rounds, the dealer fetches (in the {@code total} phase), the
 * bytes, rounds x RTT, and the latency floor with its share of the time; also writes it to
 * {@code bench-results/link-latency.md}.
 *
 * <p>The floor is what the link alone costs a run: {@code rounds x RTT/2 + dealer fetches x RTT}. In a round every
 * party sends, then waits for its peers' messages, which were sent at the same time: one one-way delay (RTT/2). A
 * dealer fetch is party 0's request to the dealer and the dealer's answer to the last party: two one-way delays. The
 * emulation delays every message by RTT/2 at its receiver (and TLS on loopback adds its own small delay).
 *
 * <p>The parties and the dealer are threads of this JVM ({@link LocalCluster} on {@link LoopbackNetwork}), each with
 * its own TLS connections and I/O thread, as party processes have: the bytes cross the kernel's loopback through
 * TLS and framing exactly as between processes, and the same cluster, program and counters serve every link, so
 * the in-process and networked times differ by the network alone, not by a second harness.
 *
 * <p>{@code online}: each run's correlated randomness is prefetched first (not timed), so the time is the online
 * phase, with no dealer fetch. {@code total}: the dealer answers during the run.
 *
 * <pre>{@code
 * java --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
 *     -Dio.netty.tryReflectionSetAccessible=true -Dobscura.disable.bounds.checks=true \
 *     -cp benchmarks/target/benchmarks.jar dev.obscura.benchmarks.LinkLatency [--runs 10] [--warmup 3]
 *     [--workloads matmul-512,relu-2^20,mnist-infer-64] [--links in-process,tls,tls-1ms,tls-20ms]
 *     [--phases online,total] [--backend native-cpu]
 * }</pre>
 */
public final class LinkLatency {
    private static final int PARTIES = 2;
    private static final List<String> WORKLOADS = List.of("matmul-512", "relu-2^20", MnistStep.INFER);
    private static final List<String> LINKS = List.of("in-process", "tls", "tls-1ms", "tls-20ms");

    private LinkLatency() {
    }

    /** One measured row. */
    private record Row(String workload, String link, String phase, double medianMillis, Counters party0,
                       Counters lastParty, int fetches, Duration rtt) {
    }

    /**
     * Runs the measurements named by {@code args} (see the class comment) and prints the table.
     *
     * @param args {@code --runs N --warmup N --workloads A,B --links A,B --phases A,B --backend NAME}
     */
    public static void main(final String[] args) {
        final Map<String, String> options = options(args);
        final int runs = Integer.parseInt(options.getOrDefault("--runs", "10"));
        final int warmup = Integer.parseInt(options.getOrDefault("--warmup", "3"));
        final List<String> workloads = list(options.get("--workloads"), WORKLOADS);
        final List<String> links = list(options.get("--links"), LINKS);
        final List<String> phases = list(options.get("--phases"), List.of("online", "total"));
        final Backend backend = BenchmarkBackends.open(options.getOrDefault("--backend", "native-cpu"));
        final List<Row> rows = new ArrayList<>();
        for (final String link : links) {
            try (LocalCluster cluster = LocalParties.builder().parties(PARTIES).backend(backend)
                .timeout(Duration.ofMinutes(5)).network(network(link)).build().start()) {
                for (final String workload : workloads) {
                    for (final String phase : phases) {
                        final Row row = measure(cluster, workload, link, phase, runs, warmup);
                        rows.add(row);
                        System.out.printf("# %s %s %s: %.3f ms%n", workload, link, phase, row.medianMillis());
                    }
                }
            }
        }
        final String table = table(rows, backend.name(), runs);
        System.out.println();
        System.out.print(table);
        try {
            Files.createDirectories(Path.of("bench-results"));
            Files.writeString(Path.of("bench-results", "link-latency.md"), table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write bench-results/link-latency.md", e);
        }
    }

    /** The network of {@code link}: {@code in-process}, {@code tcp} (no TLS), {@code tls} or {@code tls-RTT}. */
    static ClusterNetwork.Factory network(final String link) {
        if (link.equals("in-process")) {
            return ClusterNetwork.Factory.IN_PROCESS;
        }
        if (link.equals("tcp")) {
            return LoopbackNetwork.factory(c -> c.tlsProvider(TlsProvider.NONE_FOR_MEASUREMENT_ONLY));
        }
        if (link.equals("tls")) {
            return LoopbackNetwork.factory(c -> c);
        }
        if (link.startsWith("tls-")) {
            final LinkEmulation emulation = LinkEmulation.parse(link.substring("tls-".length()), null);
            return LoopbackNetwork.factory(c -> c.emulation(emulation));
        }
        throw new IllegalArgumentException("a link is in-process, tcp, tls or tls-RTT (tls-20ms), link=" + link);
    }

    private static Duration rtt(final String link) {
        return link.startsWith("tls-") ? LinkEmulation.parse(link.substring("tls-".length()), null).rtt()
            : Duration.ZERO;
    }

    private static Row measure(final LocalCluster cluster, final String workload, final String link,
                               final String phase, final int runs, final int warmup) {
        final Job[] jobs = new Job[PARTIES];
        cluster.run(ops -> {
            jobs[ops.session().partyId()] = Job.of(workload, ops);
            return null;
        });
        try {
            // One recorded run: the plan to prefetch, the rounds and bytes of one run, and the dealer fetches.
            final Preprocessing.Plan[] plans = new Preprocessing.Plan[PARTIES];
            final List<Counters> costs = cluster.run(ops -> {
                final int me = ops.session().partyId();
                final Preprocessing pre = ops.preprocessing().orElseThrow();
                final Counters before = ops.session().stats().total();
                pre.startRecording();
                jobs[me].run(ops);
                plans[me] = pre.stopRecording();
                return ops.session().stats().total().minus(before);
            });
            final boolean online = phase.equals("online");
            final double[] millis = new double[runs];
            for (int r = -warmup; r < runs; r++) {
                if (online) {
                    cluster.run(ops -> {
                        ops.preprocessing().orElseThrow().prefetch(plans[ops.session().partyId()]);
                        return null;
                    });
                }
                final long start = System.nanoTime();
                cluster.run(ops -> {
                    jobs[ops.session().partyId()].run(ops);
                    return null;
                });
                if (r >= 0) {
                    millis[r] = (System.nanoTime() - start) / 1e6;
                }
            }
            Arrays.sort(millis);
            return new Row(workload, link, phase, millis[runs / 2], costs.get(0), costs.get(PARTIES - 1),
                online ? 0 : plans[0].size(), rtt(link));
        } finally {
            cluster.run(ops -> {
                jobs[ops.session().partyId()].close();
                return null;
            });
        }
    }

    /** One party's part of a workload: its inputs, made once, and the operation, run many times. */
    private interface Job extends AutoCloseable {
        void run(SecureOps ops);

        @Override
        void close();

        static Job of(final String workload, final SecureOps ops) {
            final int me = ops.session().partyId();
            if (workload.equals(MnistStep.INFER)) {
                final SecureEngine engine = new SecureEngine(ops, 0);
                final MnistStep<SecretTensor> step = new MnistStep<>(engine, MnistCnn.create(engine, 3),
                    MnistStep.images(1), MnistStep.labels(2));
                return new Job() {
                    @Override
                    public void run(final SecureOps o) {
                        step.run(MnistStep.INFER);
                    }

                    @Override
                    public void close() {
                        step.release();
                    }
                };
            }
            final SecureWorkload work = SecureWorkload.byLabel(workload);
            final SecretTensor x = ops.input(0, me == 0 ? SecureWorkload.inputs(work.shapeX, 1) : null, work.shapeX);
            final SecretTensor y = work.shapeY == null ? null
                : ops.input(1, me == 1 ? SecureWorkload.inputs(work.shapeY, 2) : null, work.shapeY);
            return new Job() {
                @Override
                public void run(final SecureOps o) {
                    work.runSecure(o, x, y);
                }

                @Override
                public void close() {
                    x.close();
                    if (y != null) {
                        y.close();
                    }
                }
            };
        }
    }

    private static String table(final List<Row> rows, final String backend, final int runs) {
        final StringBuilder b = new StringBuilder();
        b.append("Secure workloads over each link: 2 parties and the dealer, backend ").append(backend)
            .append(", median of ").append(runs).append(" runs. Rounds and bytes are party 0's per run; dealer bytes")
            .append(" the last party's. Floor = rounds x RTT/2 + dealer fetches x RTT: what the link alone costs.\n\n");
        b.append("| workload | link | phase | median ms | x in-process | rounds | dealer fetches | MB sent |")
            .append(" dealer MB | rounds x RTT ms | floor ms | floor share |\n");
        b.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final Row r : rows) {
            final double base = rows.stream().filter(o -> o.link().equals("in-process")
                && o.workload().equals(r.workload()) && o.phase().equals(r.phase())).mapToDouble(Row::medianMillis)
                .findFirst().orElse(Double.NaN);
            final double rtt = r.rtt().toNanos() / 1e6;
            final double floor = r.party0().rounds() * rtt / 2 + r.fetches() * rtt;
            b.append(String.format("| %s | %s | %s | %.2f | %s | %d | %d | %.2f | %.2f | %.1f | %.1f | %s |%n",
                r.workload(), r.link(), r.phase(), r.medianMillis(), Double.isNaN(base) ? "-" : String.format("%.2f",
                    r.medianMillis() / base), r.party0().rounds(), r.fetches(), r.party0().bytesSent() / 1e6,
                r.lastParty().dealerBytes() / 1e6, r.party0().rounds() * rtt, floor, r.rtt().isZero() ? "-"
                    : String.format("%.0f%%", 100 * floor / r.medianMillis())));
        }
        return b.toString();
    }

    private static Map<String, String> options(final String[] args) {
        final Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got " + Arrays.toString(args));
            }
            out.put(args[i], args[i + 1]);
        }
        return out;
    }

    private static List<String> list(final String value, final List<String> fallback) {
        return value == null ? fallback : List.of(value.split(","));
    }
}
