package dev.obscura.federated.fl;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.federated.secagg.AdditiveCombiner;
import dev.obscura.federated.secagg.AdditiveRoundSetup;
import dev.obscura.federated.secagg.AggregationResult;
import dev.obscura.federated.secagg.ContributorSet;
import dev.obscura.federated.secagg.SecAggException;
import dev.obscura.federated.secagg.SecAggMessage;
import dev.obscura.federated.worker.Worker;
import dev.obscura.ring.FixedPoint;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Secure aggregation by additive sharing among {@code k >= 2} aggregator workers (the route of the PySyft
 * tutorials; docs/SECURE_AGGREGATION.md, route 2), run across the workers: each sampled worker encodes its update
 * ({@code n_k Δ_k}, or Δ_k clipped for {@link DpFedAvg}), splits it into k additive shares over Z_2^64
 * ({@link dev.obscura.federated.secagg.AdditiveSharer}) and sends each share straight to its aggregator worker; each
 * aggregator sums the shares of the contributor set; this coordinator, the combiner
 * ({@link AdditiveCombiner}), adds the k partial sums. No share passes through the coordinator, and any k - 1
 * shares of an update are independent of it: the update stays hidden unless all k aggregators collude (or one
 * colludes with the coordinator's view of the other k - 1 sums... which are sums, not updates).
 *
 * <p>A worker that fails while sharing is left out (its partial shares are dropped: the contributor set is the
 * workers every aggregator holds a share of). Every aggregator must answer; a failing one fails the round with an
 * {@link IllegalStateException}. The aggregators must be other workers than the round's clients (a worker that
 * sends shares waits for its aggregators). Needs at least two updates. Thread-safe.
 */
public final class AdditiveAggregation implements SecureSum {
    private static final System.Logger LOG = System.getLogger(AdditiveAggregation.class.getName());

    private final List<Worker> aggregators;
    private final int fracBits;
    private final Duration stageTimeout;
    private final Backend backend;

    /** Over {@code aggregators} (at least two), with the defaults of {@link SecureAggregation}. */
    public AdditiveAggregation(final List<Worker> aggregators) {
        this(aggregators, SecureAggregation.DEFAULT_FRAC_BITS, SecureAggregation.DEFAULT_STAGE_TIMEOUT);
    }

    /**
     * @param aggregators  the aggregator workers, 2 to 64, distinct; aggregator j is {@code aggregators.get(j)}
     * @param fracBits     fractional bits of the grid, 8 to 30
     * @param stageTimeout the longest one stage waits
     */
    public AdditiveAggregation(final List<Worker> aggregators, final int fracBits, final Duration stageTimeout) {
        if (aggregators.size() < 2 || aggregators.size() > AdditiveRoundSetup.MAX_AGGREGATORS
            || aggregators.stream().distinct().count() != aggregators.size()) {
            throw new IllegalArgumentException("additive aggregation needs 2 to " + AdditiveRoundSetup.MAX_AGGREGATORS
                + " distinct aggregator workers, aggregators=" + aggregators.size());
        }
        if (fracBits < 8 || fracBits > FixedPoint.MAX_FRAC_BITS) {
            throw new IllegalArgumentException("fractional bits must be in [8, " + FixedPoint.MAX_FRAC_BITS
                + "], fracBits=" + fracBits);
        }
        if (Objects.requireNonNull(stageTimeout, "stageTimeout").isNegative() || stageTimeout.isZero()) {
            throw new IllegalArgumentException("stage time-out must be positive, stageTimeout=" + stageTimeout);
        }
        this.aggregators = List.copyOf(aggregators);
        this.fracBits = fracBits;
        this.stageTimeout = stageTimeout;
        this.backend = Backends.defaultBackend();
    }

    @Override
    public String name() {
        return "additive-aggregation(" + aggregators.size() + " aggregators)";
    }

    @Override
    public int fracBits() {
        return fracBits;
    }

    /** The aggregator workers. */
    public List<Worker> aggregators() {
        return aggregators;
    }

    @Override
    public FixedPointSum sum(final List<LocalUpdate> updates, final int parameters, final double clip) {
        return sum(updates, parameters, clip, 0);
    }

    /**
     * The sum with the Gaussian mechanism's noise (standard deviation {@code noiseMultiplier * clip}) added by
     * aggregator 0 to its share of the sum before it leaves: the combiner, like everyone else, only ever sees the
     * noised sum, unless aggregator 0 colludes with it (the route's trust assumption already is that the aggregators
     * do not collude with anyone).
     */
    @Override
    public FixedPointSum noisedSum(final List<LocalUpdate> updates, final int parameters, final double clip,
                                   final double noiseMultiplier) {
        if (!(clip > 0) || !(noiseMultiplier > 0)) {
            throw new IllegalArgumentException("a noised sum needs a positive clip norm and noise multiplier, clip="
                + clip + ", sigma=" + noiseMultiplier);
        }
        return sum(updates, parameters, clip, noiseMultiplier);
    }

    @Override
    public boolean addsNoise() {
        return true;
    }

    private FixedPointSum sum(final List<LocalUpdate> updates, final int parameters, final double clip,
                              final double noiseMultiplier) {
        final int n = updates.size();
        final List<String> names = aggregators.stream().map(Worker::name).toList();
        if (n < 2 || updates.stream().anyMatch(u -> names.contains(u.worker().name()))) {
            updates.forEach(u -> u.update().close());
            throw new IllegalStateException("additive aggregation needs 2 or more updates, none at an aggregator"
                + " worker, updates=" + n + ", aggregators=" + names);
        }
        final int[] ids = new int[n];
        final Map<Integer, String> clientWorkers = new HashMap<>();
        for (int k = 0; k < n; k++) {
            ids[k] = k;
            clientWorkers.put(k, updates.get(k).worker().name());
        }
        final AdditiveRoundSetup setup = AdditiveRoundSetup.create(ids, aggregators.size(), 2, parameters);
        final Map<String, String> dropped = new LinkedHashMap<>();
        final ExecutorService pool = Executors.newFixedThreadPool(Math.min(n + aggregators.size(), 32), r -> {
            final Thread t = new Thread(r, "obscura-additive-relay");
            t.setDaemon(true);
            return t;
        });
        final Duration ttl = stageTimeout.multipliedBy(5);
        final AdditiveCombiner combiner = new AdditiveCombiner(setup, backend);
        try {
            // The aggregators first, so that every share finds its aggregator waiting.
            all("begin", pool, j -> {
                aggregators.get(j).beginAdditiveAggregation(setup, j, clientWorkers, ttl);
                return new byte[0];
            });
            // Each client shares its update straight to the aggregators; a failure leaves it out.
            final List<Future<?>> shared = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                final LocalUpdate u = updates.get(k);
                final int client = k;
                shared.add(pool.submit(() -> {
                    u.update().shareAdditively(setup, client, clip == 0 ? u.samples() : 1, clip, fracBits, names);
                    return null;
                }));
            }
            final long deadline = System.nanoTime() + stageTimeout.toNanos();
            for (int k = 0; k < n; k++) {
                final String why = await(shared.get(k), deadline);
                if (why != null) {
                    final String name = updates.get(k).worker().name();
                    LOG.log(Level.INFO, "additive aggregation: worker " + name + " dropped: " + why);
                    dropped.put(name, "additive aggregation, sharing: " + why);
                }
            }
            final List<byte[]> reports = all("report", pool, j -> aggregators.get(j).additiveReport(setup.roundId()));
            for (int j = 0; j < reports.size(); j++) {
                combiner.receive(j, SecAggMessage.decode(reports.get(j)));
            }
            final ContributorSet set = combiner.finishReports();
            final byte[] setFrame = set.encode();
            final List<byte[]> sums = all("sum", pool, j -> j == 0 && noiseMultiplier > 0
                ? aggregators.get(j).additiveSumWithNoise(setup.roundId(), setFrame, noiseMultiplier, clip, fracBits)
                : aggregators.get(j).additiveSum(setup.roundId(), setFrame));
            for (int j = 0; j < sums.size(); j++) {
                combiner.receive(j, SecAggMessage.decode(sums.get(j)));
            }
            try (AggregationResult result = combiner.finishSums()) {
                final List<String> in = new ArrayList<>();
                long samples = 0;
                for (final int k : result.contributors()) {
                    in.add(updates.get(k).worker().name());
                    samples += updates.get(k).samples();
                }
                return new FixedPointSum(result.sum().toArray(), new FixedPoint(fracBits), in, samples, dropped);
            }
        } catch (SecAggException e) {
            throw new IllegalStateException("additive aggregation failed: " + e.getMessage() + "; dropped: "
                + dropped, e);
        } finally {
            updates.forEach(u -> u.update().close());
            for (final Worker a : aggregators) {
                pool.execute(() -> {
                    try {
                        a.endSecureAggregation(setup.roundId());
                    } catch (RuntimeException e) {
                        LOG.log(Level.DEBUG, () -> "could not end additive aggregation at " + a.name() + ": "
                            + e.getMessage());
                    }
                });
            }
            pool.shutdown();
        }
    }

    /** A call to aggregator j. */
    @FunctionalInterface
    private interface AggregatorCall {
        byte[] apply(int aggregator) throws Exception;
    }

    /** {@code call} at every aggregator at once; all must answer within the stage time-out. */
    private List<byte[]> all(final String stage, final ExecutorService pool, final AggregatorCall call) {
        final List<Future<byte[]>> calls = new ArrayList<>();
        for (int j = 0; j < aggregators.size(); j++) {
            final int index = j;
            calls.add(pool.submit(() -> call.apply(index)));
        }
        final long deadline = System.nanoTime() + stageTimeout.toNanos();
        final List<byte[]> out = new ArrayList<>();
        for (int j = 0; j < calls.size(); j++) {
            final String why = await(calls.get(j), deadline);
            if (why != null) {
                throw new IllegalStateException("additive aggregation failed: aggregator " + aggregators.get(j).name()
                    + " did not answer " + stage + ": " + why + " (every aggregator must answer)");
            }
            try {
                out.add(calls.get(j).get());
            } catch (ExecutionException | InterruptedException e) {
                // await() saw it succeed: get() returns at once
                throw new IllegalStateException("unreachable", e);
            }
        }
        return out;
    }

    /** Null when {@code f} succeeded by {@code deadline}, else why not. */
    private String await(final Future<?> f, final long deadline) {
        try {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (TimeoutException e) {
            f.cancel(true);
            return "no answer within the stage time-out of " + stageTimeout.toMillis() + " ms";
        } catch (ExecutionException e) {
            final Throwable c = e.getCause();
            return c.getMessage() == null ? c.toString() : c.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in additive aggregation", e);
        }
    }

    @Override
    public String toString() {
        return "AdditiveAggregation[aggregators=" + aggregators.stream().map(Worker::name).toList() + ", fracBits="
            + fracBits + "]";
    }
}
