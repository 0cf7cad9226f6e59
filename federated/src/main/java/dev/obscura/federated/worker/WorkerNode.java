package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.ring.MemoryBudget;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A worker: it holds tensors, models, data sets and shares for its callers and runs the operations they ask for
 * ({@link WorkerProtocol}). Every request runs on the worker's one thread, in the order it arrived, so the objects
 * need no locks and a secure group's operations run in the same order at every member. The same node serves
 * in-process callers ({@link LocalWorkers}) and remote ones ({@link WorkerServer}).
 *
 * <p>Every request comes as bytes and every answer goes as bytes, also in-process, so both deployments run the same
 * code on the same messages. A malformed or refused request fails alone, with a message of facts (ids, shapes,
 * names), never data; the worker goes on.
 */
final class WorkerNode implements AutoCloseable {
    /** The most requests that may wait for the worker's thread. */
    private static final int QUEUE = 4096;

    final String name;
    final Context context;
    final PlainEngine engine = new PlainEngine();
    final Graphs graphs = new Graphs(engine);
    final ObjectStore store;
    final Map<Long, GroupRequests.Member> groups = new HashMap<>();
    private final ThreadPoolExecutor thread;
    private final TensorRequests tensors = new TensorRequests(this);
    private final ModelRequests models = new ModelRequests(this);
    private final GroupRequests secure = new GroupRequests(this);
    private final SecAggRequests secAgg = new SecAggRequests(this);
    private final java.util.Set<CompletableFuture<byte[]>> inFlight =
        java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Where a worker finds the other workers and its secure groups' networks, and the data it holds itself. */
    static final class Context {
        Function<String, WorkerChannel> peers = n -> {
            throw new IllegalArgumentException("this worker knows no other worker, worker=" + n);
        };
        GroupNetworks groupNetworks;
        Map<String, LabelledImages> datasets = Map.of();
        Duration timeout = Duration.ofSeconds(60);

        Context peers(final Function<String, WorkerChannel> p) {
            this.peers = Objects.requireNonNull(p);
            return this;
        }

        Context groupNetworks(final GroupNetworks g) {
            this.groupNetworks = g;
            return this;
        }

        Context datasets(final Map<String, LabelledImages> d) {
            this.datasets = Map.copyOf(d);
            return this;
        }

        Context timeout(final Duration t) {
            this.timeout = Objects.requireNonNull(t);
            return this;
        }
    }

    WorkerNode(final String name, final Context context) {
        this.name = Objects.requireNonNull(name, "name");
        this.context = context;
        this.store = new ObjectStore(name, graphs);
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            final Thread t = new Thread(() -> {
                try {
                    r.run();
                } finally {
                    MemoryBudget.releaseThreadPool();
                }
            }, "obscura-worker-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The worker's name. */
    String name() {
        return name;
    }

    /**
     * Runs {@code request} from {@code caller} on the worker's thread; the future fails with the reason when the
     * request does.
     */
    CompletableFuture<byte[]> submit(final String caller, final byte[] request) {
        if (closed) {
            return CompletableFuture.failedFuture(new Stopped("worker " + name + " is stopped"));
        }
        final CompletableFuture<byte[]> answer = new CompletableFuture<>();
        inFlight.add(answer);
        answer.whenComplete((r, t) -> inFlight.remove(answer));
        try {
            thread.execute(() -> {
                try {
                    answer.complete(handle(caller, request));
                } catch (RuntimeException | Error e) {
                    answer.completeExceptionally(e);
                }
            });
            return answer;
        } catch (RejectedExecutionException e) {
            inFlight.remove(answer);
            return CompletableFuture.failedFuture(closed ? new Stopped("worker " + name + " is stopped")
                : new IllegalStateException("worker " + name + " is busy: " + QUEUE + " requests are waiting"));
        }
    }

    private byte[] handle(final String caller, final byte[] request) {
        try {
            final WireReader in = new WireReader(request);
            final int op = in.u8("op");
            for (final long id : in.ids("frees", WorkerProtocol.MAX_IDS)) {
                store.free(id);
            }
            final WireWriter out = new WireWriter();
            dispatch(op, caller, in, out);
            in.end();
            return out.toBytes();
        } finally {
            // The request may have carried a caller's private tensor: it leaves no copy behind here.
            Arrays.fill(request, (byte) 0);
        }
    }

    private void dispatch(final int op, final String caller, final WireReader in, final WireWriter out) {
        switch (op) {
            case WorkerProtocol.FLUSH -> { }
            case WorkerProtocol.LIST -> list(out);
            case WorkerProtocol.PUT_TENSOR, WorkerProtocol.GET_TENSOR, WorkerProtocol.COMPUTE,
                WorkerProtocol.BACKWARD, WorkerProtocol.GRAD, WorkerProtocol.ZERO_GRAD,
                WorkerProtocol.SUB_IN_PLACE, WorkerProtocol.SEND_TO -> tensors.handle(op, in, out);
            case WorkerProtocol.PUT_MODEL, WorkerProtocol.GET_MODEL, WorkerProtocol.MODEL_FORWARD,
                WorkerProtocol.MODEL_STEP, WorkerProtocol.MODEL_ZERO_GRAD, WorkerProtocol.MODEL_FIT,
                WorkerProtocol.MODEL_EVALUATE, WorkerProtocol.PUT_DATASET,
                WorkerProtocol.FIND_DATASET -> models.handle(op, in, out);
            case WorkerProtocol.GROUP_JOIN, WorkerProtocol.GROUP_LEAVE, WorkerProtocol.SHARE_PUT,
                WorkerProtocol.SHARE_INPUT, WorkerProtocol.SHARE_COMPUTE, WorkerProtocol.SHARE_GET,
                WorkerProtocol.SHARED_MODEL_PUT, WorkerProtocol.SHARED_FORWARD -> secure.handle(op, in, out);
            case WorkerProtocol.CLIP_NORM, WorkerProtocol.SECAGG_BEGIN, WorkerProtocol.SECAGG_STEP,
                WorkerProtocol.SECAGG_END, WorkerProtocol.ADDITIVE_AGGREGATE, WorkerProtocol.ADDITIVE_SHARE,
                WorkerProtocol.ADDITIVE_RECEIVE, WorkerProtocol.ADDITIVE_REPORT,
                WorkerProtocol.ADDITIVE_SUM, WorkerProtocol.ADDITIVE_SUM_NOISED -> secAgg.handle(op, caller, in, out);
            default -> throw WireReader.malformed("unknown op, op=" + op + " (caller " + caller + ")");
        }
    }

    private void list(final WireWriter out) {
        final var entries = store.entries();
        out.i32(entries.size());
        for (final var e : entries) {
            final Held h = e.getValue();
            out.i64(e.getKey()).u8(h.kind()).shape(h.shape()).i64(h.bytes()).bool(h.requiresGrad());
        }
        out.i64(store.bytes());
    }

    /** Secure-aggregation rounds whose client state this worker holds, read on its thread (for tests). */
    int secureAggregationRounds() {
        return onThread(secAgg::activeRounds);
    }

    /**
     * Runs {@code task} on the worker's thread after {@code delay} (a time-out), unless the worker has stopped by
     * then. The wait holds no thread of the worker's.
     */
    void later(final Duration delay, final Runnable task) {
        CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!closed) {
                try {
                    thread.execute(task);
                } catch (RejectedExecutionException e) {
                    // stopped or busy: the next request expires the state anyway
                }
            }
        });
    }

    /** Number of objects held, read on the worker's thread (for tests and the worker command's status). */
    int objectCount() {
        return onThread(store::count);
    }

    /** Bytes held, read on the worker's thread. */
    long memoryBytes() {
        return onThread(store::bytes);
    }

    private <T> T onThread(final java.util.function.Supplier<T> read) {
        try {
            return CompletableFuture.supplyAsync(read, thread).get(context.timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("worker " + name + " did not answer: " + e, e);
        }
    }

    /**
     * Stops the worker: requests waiting fail, secure groups are left, and every object is released. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.submit(() -> {
                secure.leaveAll();
                secAgg.clear();
                store.clear();
            });
        } catch (RejectedExecutionException e) {
            // already stopping
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }

    /**
     * Stops the worker at once, as if its process died: the thread is interrupted, waiting requests are dropped
     * unanswered (their futures fail), nothing is cleaned up (for tests of callers that survive a dead worker).
     */
    void kill() {
        closed = true;
        thread.shutdownNow();
        for (final CompletableFuture<byte[]> f : inFlight) {
            f.completeExceptionally(new Stopped("worker " + name + " died"));
        }
    }

    @Override
    public String toString() {
        return "WorkerNode[" + name + "]";
    }

    /** The worker is stopped or died: what a lost connection is to a remote caller. */
    static final class Stopped extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Stopped(final String message) {
            super(message);
        }
    }
}
