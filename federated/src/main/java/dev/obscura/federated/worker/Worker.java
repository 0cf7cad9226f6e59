package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import dev.obscura.network.rpc.RpcException;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A caller's handle on one worker, in this process or remote ({@link Workers}): it sends the worker tensors,
 * models and data sets and gets references to them ({@link RemoteTensor}, {@link RemoteModel},
 * {@link RemoteDataset}), which run operations there. The same code drives an in-process worker and a remote one.
 *
 * <pre>{@code
 * try (Workers workers = LocalWorkers.start("bob")) {
 *     Worker bob = workers.get("bob");
 *     try (RemoteTensor x = bob.send(new PlainTensor(new float[] {1, 2, 3, 4, 5}, 5));
 *          RemoteTensor y = bob.send(new PlainTensor(new float[] {1, 1, 1, 1, 1}, 5));
 *          RemoteTensor z = x.add(y)) {
 *         float[] values = z.get().data();            // [2, 3, 4, 5, 6]; bob no longer holds z
 *     }
 * }
 * }</pre>
 *
 * <h2>Lifetimes</h2>
 * A reference owns its object at the worker: {@link RemoteObject#close()} releases it, and so does the garbage
 * collector when a reference is dropped unclosed. Releases travel with the next request to the worker (or with
 * {@link #flush()}), so they cost no round trip of their own. {@link #objects()} lists what the worker holds.
 *
 * <p>Every request waits at most {@link #timeout()}; a failure at the worker or of the connection is a
 * {@link WorkerException}. Thread-safe: references to one worker may be used from several threads; the worker runs
 * requests one at a time, in the order they arrive.
 */
public final class Worker implements AutoCloseable {
    /** Releases waiting beyond this many are sent on their own. */
    private static final int FLUSH_THRESHOLD = 256;

    private final WorkerChannel channel;
    private final Duration timeout;
    private final ConcurrentLinkedQueue<Long> releases = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingReleases = new AtomicInteger();
    private volatile boolean closed;

    Worker(final WorkerChannel channel, final Duration timeout) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The worker's name. */
    public String name() {
        return channel.worker();
    }

    /** The longest one request waits. */
    public Duration timeout() {
        return timeout;
    }

    /** Request bytes sent to this worker so far. */
    public long bytesSent() {
        return channel.bytesSent();
    }

    /** Answer bytes received from this worker so far. */
    public long bytesReceived() {
        return channel.bytesReceived();
    }

    /** Sends {@code t}: the worker holds a copy, which tracks no gradient. */
    public RemoteTensor send(final PlainTensor t) {
        return put(t, false);
    }

    /**
     * Sends {@code t} as a parameter: a leaf that collects a gradient ({@code requires_grad} in PyTorch), so that
     * {@link RemoteTensor#backward()} on a result computed from it fills {@link RemoteTensor#grad()}.
     */
    public RemoteTensor sendParameter(final PlainTensor t) {
        return put(t, true);
    }

    private RemoteTensor put(final PlainTensor t, final boolean requiresGrad) {
        final WireReader r = call(WorkerProtocol.PUT_TENSOR, w -> TensorRequests.writeTensor(w.bool(requiresGrad), t));
        return new RemoteTensor(this, r.i64("id"), t.shape(), requiresGrad);
    }

    /**
     * Sends the model {@code network} (its layers and weights, a {@link Sequential} of the layers
     * {@link ModelSpec} knows, on a plaintext engine): the worker builds the same network with these weights.
     */
    public RemoteModel send(final Sequential<PlainTensor> network) {
        final PlainEngine engine = new PlainEngine();
        return send(ModelSpec.of(network), ModelBinding.capture(network, engine));
    }

    /** Sends a model made of {@code spec}'s layers with {@code weights}. */
    public RemoteModel send(final ModelSpec spec, final ModelData weights) {
        final byte[] file = ModelFile.encode(weights);
        final WireReader r = call(WorkerProtocol.PUT_MODEL, w -> {
            spec.write(w);
            w.blob(file);
        });
        return new RemoteModel(this, r.i64("id"), spec);
    }

    /** Sends labelled images; the worker holds a copy. */
    public RemoteDataset send(final LabelledImages data) {
        final int n = data.count();
        final int size = data.imageSize();
        final int[] shape = data.imageShape();
        final WireReader r = call(WorkerProtocol.PUT_DATASET, w -> {
            w.shape(shape).i32(n);
            final float[] images = new float[Math.multiplyExact(n, size)];
            final int[] labels = new int[n];
            data.copyBatch(0, n, images, labels);
            w.floats(images);
            for (final int l : labels) {
                w.i32(l);
            }
        });
        return new RemoteDataset(this, r.i64("id"), n, shape);
    }

    /** A reference to the data set the worker holds itself under {@code name} (its own data, never sent here). */
    public RemoteDataset dataset(final String name) {
        final WireReader r = call(WorkerProtocol.FIND_DATASET, w -> w.string(name));
        final long id = r.i64("id");
        final int count = r.i32("count");
        return new RemoteDataset(this, id, count, r.shape("image shape", 0));
    }

    /** What the worker holds now, oldest first (releases still waiting here are sent first). */
    public List<HeldObject> objects() {
        final WireReader r = call(WorkerProtocol.LIST, w -> { });
        final int n = r.count("objects", Integer.MAX_VALUE, 1);
        final List<HeldObject> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final long id = r.i64("id");
            final int kind = r.u8("kind");
            final int[] shape = r.shape("shape", 0);
            out.add(new HeldObject(id, ObjectStore.kindName(kind), shape, r.i64("bytes"), r.bool("grad")));
        }
        r.i64("total bytes");
        return out;
    }

    /** The memory the worker's objects take, in bytes (releases still waiting here are sent first). */
    public long memoryBytes() {
        return objects().stream().mapToLong(HeldObject::bytes).sum();
    }

    /** Sends the releases waiting here now. */
    public void flush() {
        if (!releases.isEmpty()) {
            call(WorkerProtocol.FLUSH, w -> { });
        }
    }

    /**
     * Relays the server message {@code frame} of secure-aggregation round {@code roundId} to this worker's client of
     * that round ({@link RemoteTensor#beginSecureAggregation}) and returns the client's reply frame. The unmasking
     * step is the last: the worker drops the round's state once it has answered it.
     *
     * @throws WorkerException when the worker refuses the message (see
     *     {@link dev.obscura.federated.secagg.SecAggClient}), runs no such round, or does not answer in time
     */
    public byte[] secureAggregationStep(final long roundId, final byte[] frame) {
        final WireReader r = call(WorkerProtocol.SECAGG_STEP, w -> w.i64(roundId).blob(frame));
        final byte[] reply = r.blob("frame", SecAggRequests.MAX_FRAME);
        r.bool("finished");
        r.end();
        return reply;
    }

    /** Drops this worker's state of secure-aggregation round {@code roundId}, if it holds any. Idempotent. */
    public void endSecureAggregation(final long roundId) {
        call(WorkerProtocol.SECAGG_END, w -> w.i64(roundId));
    }

    /**
     * Makes this worker aggregator {@code index} of the additive secure-aggregation round {@code setup}: it takes
     * one share from each client, accepting client id {@code c}'s only from the worker {@code clients.get(c)}, until
     * {@link #additiveSum} or {@code timeout}.
     */
    public void beginAdditiveAggregation(final dev.obscura.federated.secagg.AdditiveRoundSetup setup, final int index,
                                         final java.util.Map<Integer, String> clients, final Duration timeout) {
        final byte[] frame = setup.encode();
        call(WorkerProtocol.ADDITIVE_AGGREGATE, w -> {
            w.blob(frame).i32(index).i32(clients.size());
            clients.forEach((id, name) -> w.i32(id).string(name));
            w.i64(timeout.toMillis());
        }).end();
    }

    /** This aggregator's {@link dev.obscura.federated.secagg.ContributorReport} frame of round {@code roundId}. */
    public byte[] additiveReport(final long roundId) {
        final WireReader r = call(WorkerProtocol.ADDITIVE_REPORT, w -> w.i64(roundId));
        final byte[] frame = r.blob("frame", SecAggRequests.MAX_FRAME);
        r.end();
        return frame;
    }

    /**
     * This aggregator's {@link dev.obscura.federated.secagg.AggregatorSum} frame over the contributor set
     * {@code contributorSet} (a {@link dev.obscura.federated.secagg.ContributorSet} frame); its part then ends.
     */
    public byte[] additiveSum(final long roundId, final byte[] contributorSet) {
        final WireReader r = call(WorkerProtocol.ADDITIVE_SUM, w -> w.i64(roundId).blob(contributorSet));
        final byte[] frame = r.blob("frame", SecAggRequests.MAX_FRAME);
        r.end();
        return frame;
    }

    /**
     * As {@link #additiveSum}, with the discrete Gaussian noise of standard deviation {@code noiseMultiplier * clip}
     * (on the grid of {@code fracBits} fractional bits) added to this aggregator's sum before it leaves: the DP
     * noise inside the secret-shared sum, asked of one aggregator per round.
     */
    public byte[] additiveSumWithNoise(final long roundId, final byte[] contributorSet, final double noiseMultiplier,
                                       final double clip, final int fracBits) {
        final WireReader r = call(WorkerProtocol.ADDITIVE_SUM_NOISED, w -> w.i64(roundId).blob(contributorSet)
            .f64(noiseMultiplier).f64(clip).i32(fracBits));
        final byte[] frame = r.blob("frame", SecAggRequests.MAX_FRAME);
        r.end();
        return frame;
    }

    /** Whether this handle is closed. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Sends the waiting releases (best effort) and closes the connection; the worker and what it holds stay (a
     * remote worker keeps serving other callers). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            flush();
        } catch (WorkerException e) {
            // the worker is gone: nothing left to release there
        }
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "Worker[" + name() + "]";
    }

    // ------------------------------------------------------------------------------------------------ requests

    /** Queues the release of object {@code id} for the next request; sends it now when many are waiting. */
    void releaseLater(final long id) {
        if (closed) {
            return;
        }
        releases.add(id);
        if (pendingReleases.incrementAndGet() > FLUSH_THRESHOLD) {
            // Asynchronous and unanswered: this may run on the cleaner's thread, which must not wait.
            try {
                send(WorkerProtocol.FLUSH, w -> { }).exceptionally(t -> null);
            } catch (RuntimeException e) {
                // dropped: the worker is gone
            }
        }
    }

    /** Sends one request and waits for its answer (at most the time-out). */
    WireReader call(final int op, final Consumer<WireWriter> body) {
        return await(send(op, body));
    }

    /** Sends one request and waits for its answer at most {@code wait}. */
    WireReader call(final int op, final Consumer<WireWriter> body, final Duration wait) {
        return await(send(op, body, wait), wait);
    }

    /** Sends one request; the future holds the answer's bytes. */
    CompletableFuture<byte[]> send(final int op, final Consumer<WireWriter> body) {
        return send(op, body, timeout);
    }

    private CompletableFuture<byte[]> send(final int op, final Consumer<WireWriter> body, final Duration wait) {
        if (closed) {
            throw new IllegalStateException("the handle on worker " + name() + " is closed");
        }
        final List<Long> ids = new ArrayList<>();
        for (Long id = releases.poll(); id != null; id = releases.poll()) {
            ids.add(id);
            pendingReleases.decrementAndGet();
        }
        final long[] frees = new long[ids.size()];
        for (int i = 0; i < frees.length; i++) {
            frees[i] = ids.get(i);
        }
        final WireWriter w = WorkerProtocol.request(op, frees);
        body.accept(w);
        return channel.call(w.toBytes(), wait);
    }

    /** The answer of {@code call} as a reader, or the failure as a {@link WorkerException}. */
    WireReader await(final CompletableFuture<byte[]> call) {
        return await(call, timeout);
    }

    private WireReader await(final CompletableFuture<byte[]> call, final Duration wait) {
        try {
            return new WireReader(call.get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | CompletionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw new WorkerException(name(), WorkerException.Kind.TIMEOUT, "worker " + name() + " did not answer"
                + " within " + wait.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerException(name(), WorkerException.Kind.UNREACHABLE, "interrupted while waiting for"
                + " worker " + name(), e);
        }
    }

    /** A failure of a call to this worker, as the caller sees it. */
    WorkerException failure(final Throwable cause) {
        Throwable t = cause;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof WorkerException w) {
            return w;
        }
        if (t instanceof RpcException r) {
            final WorkerException.Kind kind = switch (r.reason()) {
                case REMOTE -> WorkerException.Kind.FAILED;
                case TIMEOUT -> WorkerException.Kind.TIMEOUT;
                default -> WorkerException.Kind.UNREACHABLE;
            };
            return new WorkerException(name(), kind, kind == WorkerException.Kind.FAILED ? "worker " + name() + ": "
                + r.getMessage() : r.getMessage(), r);
        }
        return new WorkerException(name(), WorkerException.Kind.UNREACHABLE, "worker " + name() + " failed: " + t, t);
    }
}
