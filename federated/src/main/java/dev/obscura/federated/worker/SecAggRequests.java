package dev.obscura.federated.worker;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.federated.secagg.AdditiveAggregator;
import dev.obscura.federated.secagg.AdditiveRoundSetup;
import dev.obscura.federated.secagg.AdditiveShare;
import dev.obscura.federated.secagg.AdditiveSharer;
import dev.obscura.federated.secagg.AggregatorSum;
import dev.obscura.federated.secagg.ContributorSet;
import dev.obscura.federated.secagg.KeyDirectory;
import dev.obscura.federated.secagg.RoundIds;
import dev.obscura.federated.secagg.RoundSetup;
import dev.obscura.federated.secagg.SecAggClient;
import dev.obscura.federated.secagg.SecAggMessage;
import dev.obscura.federated.secagg.ShareDelivery;
import dev.obscura.federated.secagg.UnmaskRequest;
import dev.obscura.privacy.ClippedSum;
import dev.obscura.privacy.GaussianNoise;
import dev.obscura.privacy.RandomBits;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A worker's part in secure aggregation ({@link WorkerProtocol}, the {@code SECAGG_} requests and
 * {@code CLIP_NORM}): one client of Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving Machine
 * Learning" (CCS 2017), per round, run on an update the worker holds, so that the update leaves the worker only
 * masked. The caller runs the server ({@link dev.obscura.federated.secagg.SecAggServer}) and relays its messages as
 * frames; the worker answers each with its client's reply frame.
 *
 * <p>{@code SECAGG_BEGIN} encodes the update once, on the fixed-point grid, as {@code weight * Δ} (federated
 * averaging weighted by sample count) or, with a clip norm, as Δ clipped to L2 norm C with room for the rounding
 * ({@link ClippedSum}: the per-worker clipping of DP-FedAvg, McMahan et al., ICLR 2018), and takes the update tensor
 * out of the store: from then on the update exists here only as that vector, inside the round's state. The state
 * (the client's keys, seeds and the shares it holds for others, and the encoded update) is dropped when the round's
 * last step (the unmasking) is answered, on {@code SECAGG_END}, when the worker stops, or at the round's time-out,
 * whichever comes first. Nothing of it is ever written to a message or log.
 *
 * <p>On the worker's thread, except the time-out, which only queues a request onto it.
 */
final class SecAggRequests {
    /** Most bytes of one secure-aggregation frame (a masked input of 2^28 elements, with room for its header). */
    static final int MAX_FRAME = Integer.MAX_VALUE - 64;
    /** The longest a round may keep its state at a worker. */
    static final Duration MAX_TIMEOUT = Duration.ofDays(1);
    /** The largest weight of an update: far above any worker's sample count, far below the ring's range. */
    static final double MAX_WEIGHT = 1 << 30;

    private final WorkerNode node;
    private final Map<Long, Round> rounds = new HashMap<>();
    private final Map<Long, Aggregating> aggregating = new HashMap<>();
    private Backend backend;

    SecAggRequests(final WorkerNode node) {
        this.node = node;
    }

    /** One round's client and the update it masks, until the update is sent. */
    private static final class Round {
        final SecAggClient client;
        final long deadlineNanos;
        long[] input;

        Round(final SecAggClient client, final long[] input, final long deadlineNanos) {
            this.client = client;
            this.input = input;
            this.deadlineNanos = deadlineNanos;
        }

        void wipe() {
            if (input != null) {
                Arrays.fill(input, 0);
                input = null;
            }
        }
    }

    void handle(final int op, final String caller, final WireReader in, final WireWriter out) {
        expire();
        switch (op) {
            case WorkerProtocol.CLIP_NORM -> clipNorm(in.i64("id"), in.f64("clip norm"), out);
            case WorkerProtocol.SECAGG_BEGIN -> begin(in, out);
            case WorkerProtocol.SECAGG_STEP -> step(in.i64("round"), in.blob("frame", MAX_FRAME), out);
            case WorkerProtocol.SECAGG_END -> end(in.i64("round"));
            case WorkerProtocol.ADDITIVE_AGGREGATE -> aggregate(in);
            case WorkerProtocol.ADDITIVE_SHARE -> share(in);
            case WorkerProtocol.ADDITIVE_RECEIVE -> receive(caller, in.i64("round"), in.blob("share", MAX_FRAME));
            case WorkerProtocol.ADDITIVE_REPORT -> out.blob(aggregator(in.i64("round")).aggregator.report().encode());
            case WorkerProtocol.ADDITIVE_SUM -> sum(in.i64("round"), in.blob("contributors", MAX_FRAME), null, out);
            case WorkerProtocol.ADDITIVE_SUM_NOISED -> {
                final long round = in.i64("round");
                final byte[] set = in.blob("contributors", MAX_FRAME);
                final double sigma = in.f64("noise multiplier");
                final double clip = in.f64("clip");
                final int fracBits = in.i32("frac bits");
                // FixedPoint checks the bits, GaussianNoise sigma and clip (positive, finite, a deviation the grid can
                // carry), all before the sum is formed.
                sum(round, set, GaussianNoise.forSensitivity(sigma, clip, new FixedPoint(fracBits)), out);
            }
            default -> throw new IllegalStateException("not a secure-aggregation request, op=" + op);
        }
    }

    // ------------------------------------------------------------------------------------- the additive route

    /** An aggregator's state in one additive round, and which worker each client id is. */
    private static final class Aggregating {
        final AdditiveAggregator aggregator;
        final Map<Integer, String> clientWorkers;
        final long deadlineNanos;

        Aggregating(final AdditiveAggregator aggregator, final Map<Integer, String> clientWorkers,
                    final long deadlineNanos) {
            this.aggregator = aggregator;
            this.clientWorkers = clientWorkers;
            this.deadlineNanos = deadlineNanos;
        }
    }

    /** ADDITIVE_AGGREGATE: this worker becomes aggregator j of the round. */
    private void aggregate(final WireReader in) {
        final AdditiveRoundSetup setup = additiveSetup(in.blob("setup", MAX_FRAME));
        final int index = in.i32("aggregator");
        final int n = in.count("clients", AdditiveRoundSetup.MAX_CLIENTS, 8);
        final Map<Integer, String> clientWorkers = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final int client = in.i32("client");
            clientWorkers.put(client, in.string("worker"));
        }
        final long timeoutMillis = timeout(in.i64("time-out"));
        if (aggregating.containsKey(setup.roundId()) || rounds.containsKey(setup.roundId())) {
            throw new IllegalStateException("worker " + node.name + " already runs secure aggregation round "
                + RoundIds.format(setup.roundId()));
        }
        final AdditiveAggregator a = new AdditiveAggregator(setup, index, backend());
        aggregating.put(setup.roundId(), new Aggregating(a, clientWorkers,
            System.nanoTime() + timeoutMillis * 1_000_000L));
        node.later(Duration.ofMillis(timeoutMillis), this::expire);
    }

    /**
     * ADDITIVE_SHARE: this worker's update, encoded as for SECAGG_BEGIN, shared among the k aggregators
     * ({@link AdditiveSharer}: any k - 1 shares are independent of it), each share sent straight to its aggregator
     * worker. The update tensor is taken out of the store whatever happens: its values never leave unshared.
     */
    private void share(final WireReader in) {
        final AdditiveRoundSetup setup = additiveSetup(in.blob("setup", MAX_FRAME));
        final int client = in.i32("client");
        final long updateId = in.i64("update");
        final double weight = in.f64("weight");
        final double clip = in.f64("clip norm");
        final int fracBits = in.i32("fractional bits");
        final int k = in.count("aggregators", AdditiveRoundSetup.MAX_AGGREGATORS, 1);
        final String[] aggregators = new String[k];
        for (int j = 0; j < k; j++) {
            aggregators[j] = in.string("aggregator");
        }
        if (k != setup.aggregators()) {
            throw new IllegalArgumentException("the round has " + setup.aggregators() + " aggregators, names given="
                + k);
        }
        checkEncoding(weight, clip, fracBits);
        final Held.Tensor h = node.store.get(updateId, Held.Tensor.class, "tensor");
        if (h.value().data().length != setup.vectorLength()) {
            throw new IllegalArgumentException("update " + updateId + " has " + h.value().data().length
                + " values, the round sums vectors of " + setup.vectorLength());
        }
        final long[] input = encode(h.value().data(), weight, clip, new FixedPoint(fracBits), updateId);
        node.store.free(updateId);
        final List<AdditiveShare> shares;
        try (RingTensor x = RingTensor.of(input, input.length)) {
            try {
                shares = AdditiveSharer.share(setup, client, x, backend());
            } finally {
                x.fill(0);
                Arrays.fill(input, 0);
            }
        }
        // One share to each aggregator, each waited for at most the worker's time-out.
        final List<CompletableFuture<byte[]>> sent = new ArrayList<>(k);
        for (final AdditiveShare sh : shares) {
            final byte[] frame = sh.encode();
            final WireWriter w = WorkerProtocol.request(WorkerProtocol.ADDITIVE_RECEIVE, new long[0])
                .i64(setup.roundId()).blob(frame);
            Arrays.fill(frame, (byte) 0);
            sent.add(node.context.peers.apply(aggregators[sh.aggregator()]).call(w.toBytes(), node.context.timeout));
        }
        for (int j = 0; j < k; j++) {
            TensorRequests.await(sent.get(j), aggregators[shares.get(j).aggregator()], node.context.timeout);
        }
    }

    /** ADDITIVE_RECEIVE: a client's share, accepted only from the worker the round names for that client. */
    private void receive(final String caller, final long roundId, final byte[] frame) {
        final Aggregating a = aggregator(roundId);
        if (!(SecAggMessage.decode(frame) instanceof AdditiveShare share)) {
            throw WireReader.malformed("ADDITIVE_RECEIVE needs an AdditiveShare frame");
        }
        Arrays.fill(frame, (byte) 0);
        // The transport authenticated the caller; the round says which client id that worker may send as.
        if (!caller.equals(a.clientWorkers.get(share.sender()))) {
            throw new IllegalArgumentException("worker " + caller + " may not send the share of client "
                + share.sender() + ", round=" + RoundIds.format(roundId));
        }
        a.aggregator.receive(share.sender(), share);
    }

    /**
     * ADDITIVE_SUM: z_j over the combiner's contributor set; the aggregator's part ends here. With {@code noise}
     * (ADDITIVE_SUM_NOISED, sent to one aggregator of the round), the Gaussian mechanism's noise is added to z_j
     * here, inside the secret-shared sum: nobody, the combiner included, ever sees the sum without it.
     */
    private void sum(final long roundId, final byte[] frame, final GaussianNoise noise, final WireWriter out) {
        final Aggregating a = aggregator(roundId);
        if (!(SecAggMessage.decode(frame) instanceof ContributorSet set)) {
            throw WireReader.malformed("ADDITIVE_SUM needs a ContributorSet frame");
        }
        AggregatorSum z = a.aggregator.sum(set);
        aggregating.remove(roundId);
        if (noise != null) {
            final long[] values = z.sum();
            try (RandomBits bits = RandomBits.fresh(backend())) {
                noise.addTo(values, bits);
            }
            z = new AggregatorSum(z.roundId(), z.aggregator(), z.contributors(), values);
        }
        out.blob(z.encode());
    }

    private Aggregating aggregator(final long roundId) {
        final Aggregating a = aggregating.get(roundId);
        if (a == null) {
            throw new IllegalStateException("worker " + node.name + " aggregates no additive round "
                + RoundIds.format(roundId) + " (it ended, timed out or never began)");
        }
        return a;
    }

    private static AdditiveRoundSetup additiveSetup(final byte[] frame) {
        if (!(SecAggMessage.decode(frame) instanceof AdditiveRoundSetup setup)) {
            throw WireReader.malformed("needs an AdditiveRoundSetup frame");
        }
        return setup;
    }

    private static long timeout(final long millis) {
        if (millis < 1 || millis > MAX_TIMEOUT.toMillis()) {
            throw new IllegalArgumentException("time-out must be 1 ms to 1 day, timeout=" + millis + " ms");
        }
        return millis;
    }

    private static void checkEncoding(final double weight, final double clip, final int fracBits) {
        if (!(weight > 0 && weight <= MAX_WEIGHT)) {
            throw new IllegalArgumentException("weight must be in (0, 2^30], weight=" + weight);
        }
        if (clip != 0) {
            checkClip(clip);
        }
        if (fracBits < 0 || fracBits > FixedPoint.MAX_FRAC_BITS) {
            throw new IllegalArgumentException("fractional bits must be in [0, " + FixedPoint.MAX_FRAC_BITS
                + "], fracBits=" + fracBits);
        }
    }

    /** {@code Δ * min(1, C / ||Δ||_2)}, a new tensor that tracks no gradient (the update itself stays). */
    private void clipNorm(final long id, final double clip, final WireWriter out) {
        checkClip(clip);
        final Held.Tensor h = node.store.get(id, Held.Tensor.class, "tensor");
        final float[] x = h.value().data();
        double squares = 0;
        for (final float v : x) {
            squares += (double) v * v;
        }
        final double norm = Math.sqrt(squares);
        if (!Double.isFinite(norm)) {
            throw new IllegalArgumentException("tensor " + id + " has a value that is not finite: it cannot be"
                + " clipped");
        }
        final double factor = norm > clip ? clip / norm : 1.0;
        final float[] y = new float[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (x[i] * factor);
        }
        final dev.obscura.nn.engine.PlainTensor t = new dev.obscura.nn.engine.PlainTensor(y, h.shape());
        out.i64(node.store.put(Held.Tensor.plain(t))).shape(t.shape());
    }

    private static void checkClip(final double clip) {
        if (!(clip > 0) || clip == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("clip norm must be a positive number, clip=" + clip);
        }
    }

    private void begin(final WireReader in, final WireWriter out) {
        final byte[] frame = in.blob("setup", MAX_FRAME);
        final int clientId = in.i32("client");
        final long updateId = in.i64("update");
        final double weight = in.f64("weight");
        final double clip = in.f64("clip norm");
        final int fracBits = in.i32("fractional bits");
        final long timeoutMillis = in.i64("time-out");
        if (!(SecAggMessage.decode(frame) instanceof RoundSetup setup)) {
            throw WireReader.malformed("SECAGG_BEGIN needs a RoundSetup frame");
        }
        final String round = RoundIds.format(setup.roundId());
        if (rounds.containsKey(setup.roundId())) {
            throw new IllegalStateException("worker " + node.name + " already runs secure aggregation round " + round);
        }
        checkEncoding(weight, clip, fracBits);
        timeout(timeoutMillis);
        final Held.Tensor h = node.store.get(updateId, Held.Tensor.class, "tensor");
        if (h.value().data().length != setup.vectorLength()) {
            throw new IllegalArgumentException("update " + updateId + " has " + h.value().data().length
                + " values, the round sums vectors of " + setup.vectorLength() + ", round=" + round);
        }
        final long[] input = encode(h.value().data(), weight, clip, new FixedPoint(fracBits), updateId);
        final SecAggClient client;
        try {
            client = new SecAggClient(clientId, setup, backend());
        } catch (RuntimeException e) {
            Arrays.fill(input, 0);
            throw e;
        }
        // The update now lives only in the round's state: it leaves this worker masked, or not at all.
        node.store.free(updateId);
        final Round r = new Round(client, input, System.nanoTime() + timeoutMillis * 1_000_000L);
        rounds.put(setup.roundId(), r);
        node.later(Duration.ofMillis(timeoutMillis), this::expire);
        out.blob(client.advertiseKeys().encode());
    }

    /**
     * {@code x_u}: {@code weight * Δ} rounded to the grid, or (with a clip norm) Δ clipped with {@link ClippedSum}, whose
     * margin keeps the rounded vector within C, so that the sum's sensitivity is C exactly.
     */
    private static long[] encode(final float[] update, final double weight, final double clip,
                                 final FixedPoint encoding, final long updateId) {
        if (clip != 0) {
            final ClippedSum one = new ClippedSum(update.length, clip, encoding);
            one.add(update, 0);
            // weight 1 (DP-FedAvg weighs clipped updates equally): the sum of one vector is the vector.
            return one.sum();
        }
        final long[] x = new long[update.length];
        // Values near the ring's range could wrap in the sum: keep 2^(62-f) / 2^8 of room (sums of 256 updates).
        final double limit = Math.scalb(1.0, FixedPoint.RANGE_BITS - 8);
        for (int i = 0; i < x.length; i++) {
            final double scaled = Math.scalb(weight * update[i], encoding.fracBits());
            if (!(Math.abs(scaled) < limit)) {
                Arrays.fill(x, 0);
                // The index only: the value is the worker's and stays here.
                throw new IllegalArgumentException("update " + updateId + " cannot be encoded on the fixed-point"
                    + " grid: element " + i + " is not finite or too large for weight " + weight + " and "
                    + encoding.fracBits() + " fractional bits");
            }
            x[i] = (long) Math.rint(scaled);
        }
        return x;
    }

    private void step(final long roundId, final byte[] frame, final WireWriter out) {
        final Round r = rounds.get(roundId);
        if (r == null) {
            throw new IllegalStateException("worker " + node.name + " runs no secure aggregation round "
                + RoundIds.format(roundId) + " (it ended, timed out or never began)");
        }
        final SecAggMessage m = SecAggMessage.decode(frame);
        if (m.roundId() != roundId) {
            throw new IllegalArgumentException("frame of round " + RoundIds.format(m.roundId()) + " sent as round "
                + RoundIds.format(roundId));
        }
        final SecAggMessage reply;
        boolean finished = false;
        if (m instanceof KeyDirectory directory) {
            reply = r.client.shareKeys(directory);
        } else if (m instanceof ShareDelivery delivery) {
            if (r.input == null) {
                throw new IllegalStateException("the masked input of round " + RoundIds.format(roundId)
                    + " was already sent");
            }
            try (RingTensor x = RingTensor.of(r.input, r.input.length)) {
                try {
                    reply = r.client.maskedInput(delivery, x);
                } finally {
                    x.fill(0);
                }
            }
            r.wipe();
        } else if (m instanceof UnmaskRequest request) {
            reply = r.client.unmask(request);
            // The client's part ends here: its secrets go with it.
            rounds.remove(roundId);
            finished = true;
        } else {
            throw new IllegalArgumentException("a client takes no " + m.type() + " frame, round="
                + RoundIds.format(roundId));
        }
        out.blob(reply.encode()).bool(finished);
    }

    private void end(final long roundId) {
        aggregating.remove(roundId);
        final Round r = rounds.remove(roundId);
        if (r != null) {
            r.wipe();
        }
    }

    /** Drops every round past its time-out. */
    void expire() {
        final long now = System.nanoTime();
        rounds.values().removeIf(r -> {
            if (now - r.deadlineNanos >= 0) {
                r.wipe();
                return true;
            }
            return false;
        });
        aggregating.values().removeIf(a -> now - a.deadlineNanos >= 0);
    }

    /** Drops every round (the worker stops). */
    void clear() {
        rounds.values().forEach(Round::wipe);
        rounds.clear();
        aggregating.clear();
    }

    /** Rounds whose state this worker holds (for tests). */
    int activeRounds() {
        return rounds.size() + aggregating.size();
    }

    private Backend backend() {
        if (backend == null) {
            backend = Backends.defaultBackend();
        }
        return backend;
    }
}
