package dev.obscura.federated.fl;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.federated.secagg.AggregationResult;
import dev.obscura.federated.secagg.KeyDirectory;
import dev.obscura.federated.secagg.RoundIds;
import dev.obscura.federated.secagg.RoundSetup;
import dev.obscura.federated.secagg.SecAggException;
import dev.obscura.federated.secagg.SecAggMessage;
import dev.obscura.federated.secagg.SecAggServer;
import dev.obscura.federated.secagg.ShareDelivery;
import dev.obscura.federated.secagg.UnmaskRequest;
import dev.obscura.federated.secagg.WireFormat;
import dev.obscura.federated.worker.Worker;
import dev.obscura.ring.FixedPoint;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Secure aggregation of a round's updates, Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving
 * Machine Learning" (CCS 2017), semi-honest version, run for real across the workers: each worker runs the client
 * ({@link dev.obscura.federated.secagg.SecAggClient}) on its own update, where the update is
 * ({@link dev.obscura.federated.worker.RemoteTensor#beginSecureAggregation}); this coordinator runs the server
 * ({@link SecAggServer}) and relays every message between them as frames. The server learns the sum of the updates
 * and nothing else about any one of them (against an honest-but-curious server with fewer than t colluding
 * workers, Section 6.1); the updates leave their workers only masked.
 *
 * <p><b>The weighted mean.</b> The sum is over Z_2^64, so each worker encodes its update on the fixed-point grid
 * ({@link #fracBits()} fractional bits) already multiplied by its weight, {@code x_k = n_k Δ_k}; the server divides
 * the unmasked {@code sum_k n_k Δ_k} by {@code sum_k n_k} over the workers in the sum. The sample counts
 * {@code n_k} are public to the server (federated averaging reports them), so only the updates are hidden.
 *
 * <p><b>Dropouts.</b> A worker that fails or does not answer a stage within {@link #stageTimeout()} is left out of
 * the rest of the round. One that fails before its masked input arrived is dropped, and the masks it shared with
 * the others are removed by reconstructing its masking key from the survivors' Shamir shares; one that fails after
 * its masked input arrived stays in the sum. The round completes while at least
 * {@code t = }{@link RoundSetup#defaultThreshold}{@code (n)} workers answer every stage; below t it fails with an
 * {@link IllegalStateException} that names the stage, the count and t (the model then does not change: federated
 * averaging does not catch it). Every worker is told to drop its round state at the end, whatever happened, and
 * drops it by itself at the round's time-out.
 *
 * <p>Needs at least two updates per round (a sum of one is that update). Stateless between rounds; thread-safe.
 */
public final class SecureAggregation implements SecureSum {
    /** Fractional bits of the grid unless told otherwise: 2^-20 of precision on {@code n_k Δ_k}. */
    public static final int DEFAULT_FRAC_BITS = 20;
    /** How long a stage waits for its workers unless told otherwise. */
    public static final Duration DEFAULT_STAGE_TIMEOUT = Duration.ofMinutes(2);

    private static final System.Logger LOG = System.getLogger(SecureAggregation.class.getName());
    /** The client stages of Figure 4 that this relay runs, for messages. */
    private static final String[] STAGES = {"AdvertiseKeys", "ShareKeys", "MaskedInputCollection", "Unmasking"};

    private final int fracBits;
    private final Duration stageTimeout;
    private final Backend backend;
    /** Told each stage's index before its messages go out: for tests that stop a worker mid-round. */
    private final IntConsumer beforeStage;

    /** With {@link #DEFAULT_FRAC_BITS} and {@link #DEFAULT_STAGE_TIMEOUT}. */
    public SecureAggregation() {
        this(DEFAULT_FRAC_BITS, DEFAULT_STAGE_TIMEOUT);
    }

    /**
     * @param fracBits     fractional bits of the grid the updates are summed on, 8 to 30
     * @param stageTimeout the longest one stage waits for its workers
     */
    public SecureAggregation(final int fracBits, final Duration stageTimeout) {
        this(fracBits, stageTimeout, stage -> { });
    }

    /** As the public constructor, with a hook run before each stage (0 to 3). */
    SecureAggregation(final int fracBits, final Duration stageTimeout, final IntConsumer beforeStage) {
        if (fracBits < 8 || fracBits > FixedPoint.MAX_FRAC_BITS) {
            throw new IllegalArgumentException("fractional bits must be in [8, " + FixedPoint.MAX_FRAC_BITS
                + "], fracBits=" + fracBits);
        }
        if (Objects.requireNonNull(stageTimeout, "stageTimeout").isNegative() || stageTimeout.isZero()) {
            throw new IllegalArgumentException("stage time-out must be positive, stageTimeout=" + stageTimeout);
        }
        this.fracBits = fracBits;
        this.stageTimeout = stageTimeout;
        this.backend = Backends.defaultBackend();
        this.beforeStage = Objects.requireNonNull(beforeStage, "beforeStage");
    }

    @Override
    public String name() {
        return "secure-aggregation";
    }

    /** Fractional bits of the grid. */
    @Override
    public int fracBits() {
        return fracBits;
    }

    /** The longest one stage waits for its workers. */
    public Duration stageTimeout() {
        return stageTimeout;
    }

    /**
     * The sum of {@code updates} on the grid, by one round of secure aggregation. With {@code clip == 0} each worker
     * contributes {@code n_k Δ_k}; with {@code clip > 0} it contributes {@code Δ_k} clipped to L2 norm {@code clip}
     * at the worker, with weight 1 (DP-FedAvg's per-worker clipping, {@link DpFedAvg}). Every update is released.
     *
     * @throws IllegalStateException when fewer than two updates are given, or fewer than t workers answer a stage
     */
    @Override
    public FixedPointSum sum(final List<LocalUpdate> updates, final int parameters, final double clip) {
        final int n = updates.size();
        if (n < 2 || n > WireFormat.MAX_CLIENTS) {
            updates.forEach(u -> u.update().close());
            throw new IllegalStateException("secure aggregation needs 2 to " + WireFormat.MAX_CLIENTS
                + " updates in a round, updates=" + n + " (sample more workers per round)");
        }
        final int[] ids = new int[n];
        for (int k = 0; k < n; k++) {
            ids[k] = k;
        }
        final RoundSetup setup = RoundSetup.create(ids, RoundSetup.defaultThreshold(n), parameters);
        final long roundId = setup.roundId();
        final Map<String, String> dropped = new LinkedHashMap<>();
        final ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 32), r -> {
            final Thread t = new Thread(r, "obscura-secagg-relay");
            t.setDaemon(true);
            return t;
        });
        // Each worker keeps its state for at most every stage's wait and some slack, then drops it on its own.
        final Duration ttl = stageTimeout.multipliedBy(STAGES.length + 1);
        try (SecAggServer server = new SecAggServer(setup, backend)) {
            final Relay relay = new Relay(server, updates, pool, dropped);
            // Round 0: each worker encodes its update, starts its client and advertises its public keys.
            relay.stage(0, ids, k -> {
                final LocalUpdate u = updates.get(k);
                return u.update().beginSecureAggregation(setup, k, clip == 0 ? u.samples() : 1, clip, fracBits, ttl);
            });
            final KeyDirectory directory = relay.finish(0, server::finishAdvertiseKeys);
            // Round 1: the key directory to every worker of U1; each answers with its encrypted shares.
            final byte[] directoryFrame = directory.encode();
            relay.stage(1, directory.clients(), k -> worker(updates, k).secureAggregationStep(roundId,
                directoryFrame));
            final Map<Integer, ShareDelivery> deliveries = relay.finish(1, server::finishShareKeys);
            // Round 2: each worker of U2 gets the shares sent to it and answers with its masked update.
            relay.stage(2, deliveries.keySet().stream().mapToInt(Integer::intValue).toArray(),
                k -> worker(updates, k).secureAggregationStep(roundId, deliveries.get(k).encode()));
            final UnmaskRequest request = relay.finish(2, server::finishMaskedInputCollection);
            // Round 4: the survivors U3 reveal the shares that remove the masks (self masks of U3, pairwise of U2\U3).
            final byte[] requestFrame = request.encode();
            relay.stage(3, request.survivors(), k -> worker(updates, k).secureAggregationStep(roundId, requestFrame));
            try (AggregationResult result = relay.finish(3, server::finishUnmasking)) {
                final List<String> in = new ArrayList<>();
                long samples = 0;
                for (final int k : result.contributors()) {
                    in.add(worker(updates, k).name());
                    samples += updates.get(k).samples();
                }
                LOG.log(Level.DEBUG, () -> "secure aggregation round " + RoundIds.format(roundId) + ": "
                    + in.size() + " of " + n + " updates in the sum");
                return new FixedPointSum(result.sum().toArray(), new FixedPoint(fracBits), in, samples, dropped);
            }
        } finally {
            for (final LocalUpdate u : updates) {
                u.update().close();
                // Best effort, not waited for: a worker that finished has dropped its state already, a dead one
                // cannot, and every other one drops it at its time-out anyway.
                pool.execute(() -> {
                    try {
                        u.worker().endSecureAggregation(roundId);
                    } catch (RuntimeException e) {
                        LOG.log(Level.DEBUG, () -> "could not end secure aggregation at " + u.worker().name()
                            + ": " + e.getMessage());
                    }
                });
            }
            pool.shutdown();
        }
    }

    private static Worker worker(final List<LocalUpdate> updates, final int k) {
        return updates.get(k).worker();
    }

    /** A function of a client id that calls its worker and returns the reply frame. */
    @FunctionalInterface
    private interface Call {
        byte[] apply(int client) throws Exception;
    }

    /** The coordinator's side of one round: calls in parallel, hands the replies to the server, notes the dropped. */
    private final class Relay {
        private final SecAggServer server;
        private final List<LocalUpdate> updates;
        private final ExecutorService pool;
        private final Map<String, String> dropped;

        Relay(final SecAggServer server, final List<LocalUpdate> updates, final ExecutorService pool,
              final Map<String, String> dropped) {
            this.server = server;
            this.updates = updates;
            this.pool = pool;
            this.dropped = dropped;
        }

        /** Calls {@code clients} at once; each reply that arrives within the stage's time-out goes to the server. */
        void stage(final int stage, final int[] clients, final Call call) {
            beforeStage.accept(stage);
            final Map<Integer, Future<byte[]>> calls = new TreeMap<>();
            for (final int k : clients) {
                calls.put(k, pool.submit(() -> call.apply(k)));
            }
            final long deadline = System.nanoTime() + stageTimeout.toNanos();
            for (final Map.Entry<Integer, Future<byte[]>> e : calls.entrySet()) {
                final int k = e.getKey();
                final byte[] reply;
                try {
                    reply = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException t) {
                    e.getValue().cancel(true);
                    drop(stage, k, "no answer within the stage time-out of " + stageTimeout.toMillis() + " ms");
                    continue;
                } catch (ExecutionException x) {
                    final Throwable cause = x.getCause();
                    drop(stage, k, cause.getMessage() == null ? cause.toString() : cause.getMessage());
                    continue;
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted in secure aggregation", x);
                }
                try {
                    // The relay authenticates the sender: the reply came from the worker the coordinator called.
                    server.receive(k, SecAggMessage.decode(reply));
                } catch (RuntimeException x) {
                    drop(stage, k, "refused its message: " + x.getMessage());
                } finally {
                    Arrays.fill(reply, (byte) 0);
                }
            }
        }

        /** Closes a stage at the server; below the threshold, a clear error. */
        <T> T finish(final int stage, final Supplier<T> close) {
            try {
                return close.get();
            } catch (SecAggException e) {
                throw new IllegalStateException("secure aggregation failed at stage " + STAGES[stage]
                    + ": " + e.getMessage() + "; dropped: " + dropped, e);
            }
        }

        private void drop(final int stage, final int k, final String why) {
            final String name = updates.get(k).worker().name();
            if (stage == STAGES.length - 1) {
                // Its masked update arrived: it stays in the sum, the others' shares remove its masks.
                LOG.log(Level.INFO, "secure aggregation: worker " + name + " failed at stage Unmasking (its update"
                    + " is in the sum): " + why);
                return;
            }
            LOG.log(Level.INFO, "secure aggregation: worker " + name + " dropped at stage " + STAGES[stage] + ": "
                + why);
            dropped.put(name, "secure aggregation, stage " + STAGES[stage] + ": " + why);
        }
    }

    @Override
    public String toString() {
        return "SecureAggregation[fracBits=" + fracBits + ", stageTimeout=" + stageTimeout + "]";
    }
}
