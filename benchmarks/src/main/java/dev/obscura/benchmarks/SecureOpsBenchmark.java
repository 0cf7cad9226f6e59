package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.protocols.LocalCluster;
import dev.obscura.protocols.LocalParties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Secure operations with 2 parties and the dealer as threads of one process (a long-lived {@link LocalCluster}),
 * on the backend under test; {@link PlaintextTwinBenchmark} times the same workloads in plaintext in the same run.
 *
 * <p>{@code phase=total} times the operation with the dealer answering online (offline + online);
 * {@code phase=online} prefetches the operation's correlated randomness before each invocation (outside the timed
 * region), so the timed call has no dealer traffic. Rounds and bytes of each workload are deterministic; they are
 * counted once per trial from party 0's and the last party's counters and appended to
 * {@code bench-results/secure-costs.tsv} (override with {@code -Dobscura.bench.costs=FILE}) for the report.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO, "-Xmx8g"})
@State(Scope.Benchmark)
public class SecureOpsBenchmark {
    private static final int PARTIES = 2;

    /** The workload (see {@link SecureWorkload}). */
    @Param({"matmul-256", "matmul-512", "mul-2^20", "relu-2^20", "maxpool-64x16x24x24"})
    public String workload;

    /** {@code online}: correlated randomness prefetched before each call; {@code total}: dealer online. */
    @Param({"online", "total"})
    public String phase;

    /** Backend of every party and the dealer. */
    @Param({"native-cpu"})
    public String backend;

    private SecureWorkload work;
    private LocalCluster cluster;
    private final SecretTensor[] x = new SecretTensor[PARTIES];
    private final SecretTensor[] y = new SecretTensor[PARTIES];
    private final Preprocessing.Plan[] plans = new Preprocessing.Plan[PARTIES];

    @Setup(Level.Trial)
    public void setup() {
        work = SecureWorkload.byLabel(workload);
        final Backend be = BenchmarkBackends.open(backend);
        cluster = LocalParties.builder().parties(PARTIES).backend(be).build().start();
        final double[] dataX = SecureWorkload.inputs(work.shapeX, 1);
        final double[] dataY = work.shapeY == null ? null : SecureWorkload.inputs(work.shapeY, 2);
        cluster.run(ops -> {
            final int me = ops.session().partyId();
            x[me] = ops.input(0, me == 0 ? dataX : null, work.shapeX);
            if (dataY != null) {
                y[me] = ops.input(1, me == 1 ? dataY : null, work.shapeY);
            }
            return null;
        });
        // One recorded run: the plan for the online phase, and the workload's rounds and bytes.
        final List<Counters> costs = cluster.run(ops -> {
            final int me = ops.session().partyId();
            final Preprocessing pre = ops.preprocessing().orElseThrow();
            final Counters before = ops.session().stats().total();
            pre.startRecording();
            work.runSecure(ops, x[me], y[me]);
            plans[me] = pre.stopRecording();
            return ops.session().stats().total().minus(before);
        });
        if ("online".equals(phase)) {
            appendCosts(workload, costs, numel(work.shapeX));
        }
    }

    @Setup(Level.Invocation)
    public void prefetch() {
        if ("online".equals(phase)) {
            cluster.run(ops -> {
                ops.preprocessing().orElseThrow().prefetch(plans[ops.session().partyId()]);
                return null;
            });
        }
    }

    /** One secure operation on both parties (and the dealer when {@code phase=total}). */
    @Benchmark
    public void secure() {
        cluster.run(ops -> {
            final int me = ops.session().partyId();
            work.runSecure(ops, x[me], y[me]);
            return null;
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cluster.run(ops -> {
            final int me = ops.session().partyId();
            x[me].close();
            if (y[me] != null) {
                y[me].close();
            }
            return null;
        });
        cluster.close();
    }

    /** Appends one workload's rounds and bytes (party 0 and the last party) to the costs file of the report. */
    /**
     * Appends one tab-separated line of {@code fields} to the file that system property {@code property} names
     * (default {@code defaultFile}), for the report to read after the JMH run.
     */
    static void appendLine(final String property, final String defaultFile, final String... fields) {
        final Path file = Path.of(System.getProperty(property, defaultFile));
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, String.join("\t", fields) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record costs in " + file, e);
        }
    }

    static void appendCosts(final String workload, final List<Counters> costs, final long elements) {
        final Counters first = costs.get(0);
        final Counters last = costs.get(costs.size() - 1);
        appendLine("obscura.bench.costs", "bench-results/secure-costs.tsv", workload, Long.toString(first.rounds()),
            Long.toString(first.bytesSent()), Long.toString(last.bytesSent()), Long.toString(last.dealerBytes()),
            Long.toString(elements));
        System.out.println("# " + workload + " costs: party 0 " + first + "; last party " + last);
    }

    private static long numel(final int[] shape) {
        long n = 1;
        for (final int d : shape) {
            n *= d;
        }
        return n;
    }
}
