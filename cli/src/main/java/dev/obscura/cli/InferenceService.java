package dev.obscura.cli;

import dev.obscura.client.InferenceWire;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.TransportException;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.Tls;
import dev.obscura.network.rpc.RpcHandler;
import dev.obscura.network.rpc.RpcRequest;
import dev.obscura.network.rpc.RpcServer;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.ring.RingTensor;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * One compute party of the encrypted inference service ({@code obscura serve}): it holds its share of the MnistCnn
 * weights, answers clients over mutual TLS ({@link InferenceWire}), and evaluates their images in batches with the
 * other compute parties, returning to each client this party's share of its logits (nothing is opened: only the
 * client adds the shares).
 *
 * <h2>Batching</h2>
 * Party 0 is the leader: it queues the requests it receives, in order, and forms a batch of whole requests when the
 * batch is full ({@link Settings#maxBatch} images) or {@link Settings#maxWait} after its first request arrived. It
 * tells the other parties which requests (caller, id, count) form the batch over the parties' own TLS link; each
 * party fills the batch with its shares of those requests (a request whose share has not reached a party within
 * {@link Settings#matchTimeout} is filled with zeros there and failed at that party, so that its client fails and no
 * party waits for ever). With a pool ({@link Settings#poolDepth} above 0), every batch is padded with zeros to
 * {@code maxBatch} images, so that every forward pass has the same shape and asks the dealer for the same correlated
 * randomness in the same order: that is what makes the pool possible. Without one, a batch is padded to the next
 * power of two only, so that a lone request does not pay for a full batch. Requests are keyed by the caller's certificate name and its id, so a client can only name its own
 * requests; each client gets back only its own rows.
 *
 * <h2>Pool of correlated randomness</h2>
 * The first batch is run while recording what it asks the dealer for ({@link Preprocessing#startRecording}); right
 * after it, every party starts a background thread ({@link Preprocessing#fillInBackground}) that keeps up to
 * {@link Settings#poolDepth} forward passes' correlated randomness ready, fetching the next pass from the dealer
 * whenever fewer wait, while the party's thread computes. From then on a forward pass takes its correlated randomness
 * from the pool only: it never waits for the dealer while the pool is not empty, and when the pool is empty (the
 * dealer slower than the requests) it waits for the filler, at most the time-out. Only the filler talks to the
 * dealer, only the party's thread to the other parties.
 *
 * <h2>Faults</h2>
 * A malformed request, one of the wrong shape or fixed-point bits, one over the per-request limit, and a client over
 * its rate limit get an error naming the problem; the RPC layer refuses oversized frames and callers whose
 * certificate is not from the configured CA. A client that disconnects has its queued requests dropped. When the
 * session fails (a compute party or the dealer died), every request in flight fails with the reason, and so does
 * every later one until the session forms again: each surviving party joins the others again (connecting with
 * backoff, as at start-up), so restarting the one that died (and a dealer started with {@code --keep-serving} keeps
 * waiting for them) restores the service; the model owner shares the model anew and the pool is recorded anew. A
 * session that never formed (a wrong certificate or setting) ends the service instead. Every wait is bounded.
 */
final class InferenceService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceService.class.getName());
    private static final int[] IMAGE = {1, 28, 28};
    private static final int IMAGE_ELEMENTS = 784;
    private static final byte BATCH = 1;
    private static final byte STOP = 3;
    /** How long the leader waits for a first request before it looks again for a stop. */
    private static final long IDLE_POLL_MILLIS = 50;

    /**
     * How the service batches and limits its clients.
     *
     * @param listen          where the service listens for clients
     * @param clients         which certificate names may call (all of them must come from the configured CA)
     * @param maxBatch        images per secure forward pass (and the largest request)
     * @param maxWait         the longest a request waits for others to fill its batch
     * @param poolDepth       forward passes of correlated randomness to keep ready (0: none)
     * @param ratePerSecond   requests per second each client may send (a burst of as many, at most)
     * @param maxInFlight     requests of one client connection that may run at once
     * @param matchTimeout    how long a party waits for its share of a request the leader batched
     * @param requestTimeout  the longest a request may wait for its answer at this party
     */
    record Settings(InetSocketAddress listen, Predicate<String> clients, int maxBatch, Duration maxWait,
                    int poolDepth, double ratePerSecond, int maxInFlight, Duration matchTimeout,
                    Duration requestTimeout) {
        Settings {
            if (maxBatch < 1 || maxBatch > 4096 || poolDepth < 0 || poolDepth > 64 || !(ratePerSecond > 0)
                || maxInFlight < 1) {
                throw new IllegalArgumentException("need 1 <= max-batch <= 4096, 0 <= pool-depth <= 64, a positive"
                    + " rate and in-flight limit, maxBatch=" + maxBatch + ", poolDepth=" + poolDepth);
            }
        }

        /** The defaults for a service listening on {@code listen}. */
        static Settings defaults(final InetSocketAddress listen) {
            return new Settings(listen, name -> true, 64, Duration.ofMillis(20), 2, 50, 8, Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        }

        Settings withBatch(final int max, final Duration wait) {
            return new Settings(listen, clients, max, wait, poolDepth, ratePerSecond, maxInFlight, matchTimeout,
                requestTimeout);
        }

        Settings withPool(final int depth) {
            return new Settings(listen, clients, maxBatch, maxWait, depth, ratePerSecond, maxInFlight, matchTimeout,
                requestTimeout);
        }

        Settings withRate(final double perSecond) {
            return new Settings(listen, clients, maxBatch, maxWait, poolDepth, perSecond, maxInFlight, matchTimeout,
                requestTimeout);
        }

        Settings withMatch(final Duration wait) {
            return new Settings(listen, clients, maxBatch, maxWait, poolDepth, ratePerSecond, maxInFlight, wait,
                requestTimeout);
        }

        Settings withClients(final Predicate<String> allowed) {
            return new Settings(listen, allowed, maxBatch, maxWait, poolDepth, ratePerSecond, maxInFlight,
                matchTimeout, requestTimeout);
        }
    }

    /** What the service did so far; {@code batchSizes} maps images per batch (before padding) to batch counts. */
    record Stats(long requests, long images, long batches, long refused, long failed, int poolDepth,
                 long batchesFromPool, Map<Integer, Long> batchSizes, long forwardNanos, long bytesSent) {
        @Override
        public String toString() {
            return "requests=" + requests + " images=" + images + " batches=" + batches + " refused=" + refused
                + " failed=" + failed + " pool-depth=" + poolDepth + " batches-from-pool=" + batchesFromPool
                + " batch-sizes=" + batchSizes + " forward-ms=" + forwardNanos / 1_000_000 + " bytes-sent="
                + bytesSent;
        }
    }

    /** A request this party holds, until it is answered. */
    private static final class Pending {
        final String key;
        final String caller;
        final InferenceWire.Request request;
        final CompletableFuture<byte[]> answer = new CompletableFuture<>();

        Pending(final String key, final String caller, final InferenceWire.Request request) {
            this.key = key;
            this.caller = caller;
            this.request = request;
        }
    }

    /** A token bucket per client: {@code rate} requests per second, bursts of at most {@code rate}. */
    private static final class Bucket {
        private double tokens;
        private long last = System.nanoTime();

        synchronized boolean take(final double rate) {
            final long now = System.nanoTime();
            tokens = Math.min(Math.max(rate, 1), tokens + (now - last) * 1e-9 * rate);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        Bucket(final double rate) {
            this.tokens = Math.max(rate, 1);
        }
    }

    private final Settings settings;
    private final EndpointRuntime.Context partyContext;
    private final NetworkConfig config;
    private final int self;
    private final int parties;
    private final ModelData weights;
    private final int modelOwner;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Object arrived = new Object();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong images = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong fromPool = new AtomicLong();
    /** Time spent in secure forward passes, and bytes this party sent to the other parties and the dealer. */
    private final AtomicLong forwardNanos = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final Map<Integer, Long> batchSizes = new TreeMap<>();
    /** The pool's background filler, from the end of the first pooled batch (set and closed by the party thread). */
    private volatile Preprocessing.Filler filler;
    private volatile boolean stopping;
    private volatile boolean crash;
    /** The session's planned end, if any. */
    private final Plan plan;
    /** Whether a session of this party ever formed and shared the model (then a broken one is joined again). */
    private volatile boolean served;
    private final RpcServer server;
    private final Thread partyThread;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private int fracBits;

    private InferenceService(final NetworkConfig config, final int self, final EndpointRuntime.Context partyContext,
                             final ModelData weights, final int modelOwner, final Settings settings, final Tls tls,
                             final Plan plan) {
        this.settings = settings;
        this.plan = plan;
        this.partyContext = partyContext;
        this.config = config;
        this.self = self;
        this.parties = config.parties();
        this.weights = weights;
        this.modelOwner = modelOwner;
        this.fracBits = config.fixedPointBits();
        final String name = config.endpoint(self).name();
        this.server = RpcServer.start(new RpcServer.Context().name(name).service(InferenceWire.SERVICE)
            .listen(settings.listen()).tls(tls).callers(settings.clients()).handler(new Handler())
            .maxMessageBytes(InferenceWire.REQUEST_HEADER_BYTES + 8L * settings.maxBatch() * IMAGE_ELEMENTS)
            .maxInFlight(settings.maxInFlight()));
        this.partyThread = new Thread(this::runParty, "obscura-serve-party-" + self);
        partyThread.setDaemon(true);
        partyThread.start();
    }

    /**
     * Starts compute party {@code self} of {@code config} ({@code partyContext} is its endpoint) and its client service; returns once the service listens (the
     * party connects to the others and the dealer in the background; requests wait for it).
     *
     * @param weights    the model's weights at the model owner, {@code null} elsewhere
     * @param modelOwner the party that shares the weights once, when the service starts
     */
    static InferenceService start(final NetworkConfig config, final int self,
                                  final EndpointRuntime.Context partyContext, final ModelData weights,
                                  final int modelOwner, final Settings settings, final Tls tls) {
        return new InferenceService(config, self, partyContext, weights, modelOwner, settings, tls, Plan.NONE);
    }

    /**
     * As {@link #start(NetworkConfig, int, EndpointRuntime.Context, ModelData, int, Settings, Tls)}, for a session
     * of a fixed number of batches whose correlated randomness a preprocessing file serves (or whose plan is being
     * recorded for one): {@code partyContext} names the file or the plan and {@link #computation}.
     */
    static InferenceService start(final NetworkConfig config, final int self,
                                  final EndpointRuntime.Context partyContext, final ModelData weights,
                                  final int modelOwner, final Settings settings, final Tls tls, final Plan plan) {
        return new InferenceService(config, self, partyContext, weights, modelOwner, settings, tls, plan);
    }

    /**
     * A service with a planned end: {@code batches} secure forward passes (each padded to the max batch, so that all
     * have the same shape), then it stops; no pool and no rejoin (a preprocessing file serves once).
     *
     * @param batches the passes the session runs, at least 1; 0 in {@link #NONE}
     */
    record Plan(int batches) {
        /** No planned end: serve until stopped, the dealer online. */
        static final Plan NONE = new Plan(0);

        Plan {
            if (batches < 0) {
                throw new IllegalArgumentException("batches must not be negative, batches=" + batches);
            }
        }

        boolean planned() {
            return batches > 0;
        }
    }

    /**
     * The name of a planned session's computation, which the parties agree on and a preprocessing file is made for:
     * everything that fixes the shapes it asks the dealer for.
     */
    static String computation(final int maxBatch, final int batches, final int modelOwner, final int fracBits) {
        return "serve MnistCnn: " + batches + " batches of " + maxBatch + " images, model owner " + modelOwner
            + ", " + fracBits + " fractional bits";
    }

    /** Where clients reach the service. */
    InetSocketAddress address() {
        return server.address();
    }

    /** Waits until the party has joined the others and shared the model; false on time-out. */
    boolean awaitReady(final Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && failure.get() == null;
    }

    /** Completes when the party's session ends (normally or not). */
    CompletableFuture<Void> done() {
        return done;
    }

    /** Why the service stopped, if it failed. */
    String failure() {
        return failure.get();
    }

    /** What the service did so far. */
    Stats stats() {
        synchronized (batchSizes) {
            return new Stats(requests.get(), images.get(), batches.get(), refused.get(), failed.get(), poolDepth(),
                fromPool.get(), new TreeMap<>(batchSizes), forwardNanos.get(), bytesSent.get());
        }
    }

    /** For tests: makes this party fail as if it crashed, at its next step (its peers learn at once). */
    void crash() {
        crash = true;
        server.close();
        synchronized (arrived) {
            arrived.notifyAll();
        }
    }

    /** Stops the service: the leader tells the other parties to stop; requests not answered fail. */
    @Override
    public void close() {
        stopping = true;
        synchronized (arrived) {
            arrived.notifyAll();
        }
        try {
            done.get(settings.matchTimeout().toMillis() + config.timeout().toMillis(),
                TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "service {0} did not stop in time: {1}", self, e.toString());
        }
        server.close();
        failAll("the service stopped");
    }

    // ------------------------------------------------------------------------------------------------ client side

    /** Checks and queues each request; runs on the RPC event loop, so it never blocks. */
    private final class Handler implements RpcHandler {
        @Override
        public CompletableFuture<byte[]> handle(final RpcRequest request) {
            final String down = failure.get();
            if (down != null || stopping) {
                return refuse("service unavailable: " + (down != null ? down : "stopping"));
            }
            final Bucket bucket = buckets.computeIfAbsent(request.caller(), c -> new Bucket(settings.ratePerSecond()));
            if (!bucket.take(settings.ratePerSecond())) {
                return refuse("rate limit: at most " + settings.ratePerSecond() + " requests per second per client");
            }
            final InferenceWire.Request r;
            try {
                r = InferenceWire.decodeRequest(request.payload(), settings.maxBatch(), IMAGE_ELEMENTS);
            } catch (IllegalArgumentException e) {
                return refuse(e.getMessage());
            } finally {
                Arrays.fill(request.payload(), (byte) 0);
            }
            if (!Arrays.equals(r.shape(), IMAGE)) {
                return refuse("wrong image shape " + r.shape()[0] + "x" + r.shape()[1] + "x" + r.shape()[2]
                    + ": this service classifies 1x28x28 MNIST images");
            }
            if (r.fracBits() != fracBits) {
                return refuse("fixed-point bits " + r.fracBits() + " do not match the service's " + fracBits);
            }
            final String key = request.caller() + "/" + Long.toHexString(r.id());
            final Pending p = new Pending(key, request.caller(), r);
            if (pending.putIfAbsent(key, p) != null) {
                return refuse("request id already in use by this client");
            }
            requests.incrementAndGet();
            p.answer.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((b, t) -> pending.remove(key, p));
            if (self == 0) {
                queue.add(p);
            }
            synchronized (arrived) {
                arrived.notifyAll();
            }
            return p.answer;
        }

        @Override
        public void disconnected(final String caller) {
            // Its requests not yet in a batch are dropped; one already in a batch finishes and its answer is lost.
            queue.removeIf(p -> p.caller.equals(caller) && p.answer.completeExceptionally(
                new IllegalStateException("client disconnected")));
            pending.values().removeIf(p -> p.caller.equals(caller) && p.answer.completeExceptionally(
                new IllegalStateException("client disconnected")));
        }

        private CompletableFuture<byte[]> refuse(final String why) {
            refused.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalArgumentException(why));
        }
    }

    /** A short, growing pause before joining again (1 to 5 s), so that a peer's restart is not raced. */
    private void sleepBeforeRejoin(final int attempt) {
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(5, attempt));
        while (!stopping && System.nanoTime() < until) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Records the service's first failure and fails every request with it. */
    private void fail(final String why) {
        failure.compareAndSet(null, why);
        failAll(failure.get());
    }

    private void failAll(final String why) {
        for (final Pending p : pending.values()) {
            if (p.answer.completeExceptionally(new IllegalStateException(why))) {
                failed.incrementAndGet();
            }
        }
        queue.clear();
    }

    // ------------------------------------------------------------------------------------------------ party side

    private void runParty() {
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    EndpointRuntime.runParty(partyContext, ops -> {
                        try {
                            serve(ops);
                        } catch (RuntimeException e) {
                            // Fail the clients now, not after the runtime has closed its connections (seconds later).
                            fail("compute party " + self + " stopped: " + e.getMessage());
                            throw e;
                        }
                        return null;
                    });
                    return; // stopped: by close() at the leader, by the leader's stop elsewhere
                } catch (RuntimeException e) {
                    final String why = "compute party " + self + " stopped: " + e.getMessage();
                    fail(why);
                    // A session that never formed (a wrong certificate or setting) ends the service: it would not
                    // form on a second try either. One that served and broke is joined again.
                    if (stopping || crash || !served || plan.planned()) {
                        LOG.log(Level.WARNING, why);
                        return;
                    }
                    // The other parties and the dealer may come back: join them again, the model shared anew.
                    LOG.log(Level.WARNING, why + "; joining the other parties again (attempt " + (attempt + 1) + ")");
                    sleepBeforeRejoin(attempt);
                }
            }
        } finally {
            ready.countDown();
            failAll(failure.get() != null ? failure.get() : "the service stopped");
            done.complete(null);
        }
    }

    private void serve(final SecureOps ops) {
        fracBits = ops.session().fixedPoint().fracBits();
        final SecureEngine modelEngine = new SecureEngine(ops, modelOwner);
        final SecureEngine engine = new SecureEngine(ops, 0);
        final Sequential<SecretTensor> model = MnistCnn.create(modelEngine, 0);
        try {
            // The model owner shares the file's weights once; the other parties take their shares of them.
            ModelBinding.apply(self == modelOwner ? weights : ModelBinding.placeholder(model, modelEngine), model,
                modelEngine);
            ready.countDown();
            served = true;
            if (failure.getAndSet(null) != null) {
                LOG.log(Level.INFO, "compute party {0} rejoined: model shared again, serving", self);
            }
            LOG.log(Level.INFO, "compute party {0} ready: model shared, max-batch={1}", self, settings.maxBatch());
            final Preprocessing pre = ops.preprocessing().orElse(null);
            Preprocessing.Plan recorded = null;
            long batchesRun = 0;
            while (true) {
                final List<Pending> batch;
                final int[] counts;
                final int rows;
                final boolean pooling;
                if (self == 0) {
                    if (crash) {
                        throw new IllegalStateException("party crashed (test)");
                    }
                    if (plan.planned() && batchesRun >= plan.batches()) {
                        // The planned batches are done (the preprocessing file used up, or the plan recorded).
                        stopping = true;
                        LOG.log(Level.INFO, "compute party {0}: the {1} planned batches are done, stopping", self,
                            plan.batches());
                    }
                    if (stopping) {
                        sendAll(ops, describe(STOP, 0, false, List.of()));
                        return;
                    }
                    batch = collect();
                    if (batch.isEmpty()) {
                        continue;
                    }
                    counts = batch.stream().mapToInt(p -> p.request.count()).toArray();
                    pooling = settings.poolDepth() > 0 || plan.planned(); // one shape for every pass
                    rows = pooling ? settings.maxBatch() : bucket(Arrays.stream(counts).sum(), settings.maxBatch());
                    sendAll(ops, describe(BATCH, rows, pooling, batch));
                } else {
                    final byte[] message;
                    try {
                        message = ops.session().transport().receiveBytes(0);
                    } catch (TransportException e) {
                        if (e.reason() == TransportException.Reason.TIMEOUT && !crash) {
                            continue; // an idle service: the leader has nothing to send
                        }
                        throw e;
                    }
                    if (crash) {
                        throw new IllegalStateException("party crashed (test)");
                    }
                    final Descriptor d = Descriptor.read(message);
                    if (d.type == STOP) {
                        stopping = true; // the leader stopped the session: refuse new requests, as it does
                        return;
                    }
                    counts = d.counts;
                    rows = d.rows;
                    pooling = d.pooling;
                    if (rows < Arrays.stream(counts).sum()) {
                        throw new IllegalStateException("malformed batch descriptor from the leader");
                    }
                    batch = match(d.keys);
                }
                final boolean record = pre != null && recorded == null && pooling && !plan.planned();
                final boolean pooled = filler != null && filler.depth() > 0;
                if (record) {
                    pre.startRecording();
                }
                final long t0 = System.nanoTime();
                final long[] logits = forward(ops, engine, model, batch, counts, rows);
                forwardNanos.addAndGet(System.nanoTime() - t0);
                bytesSent.set(ops.session().transport().bytesSent());
                if (record) {
                    recorded = pre.stopRecording();
                    // Every party records the same first pooled batch, so every filler asks for the same plan.
                    filler = pre.fillInBackground(recorded, settings.poolDepth());
                }
                batchesRun++;
                answer(batch, counts, logits, pooled);
            }
        } finally {
            if (filler != null) {
                filler.close();
                filler = null;
            }
            MnistCommand.release(model, modelEngine);
        }
    }

    /** Forward passes of correlated randomness ready in the pool now. */
    private int poolDepth() {
        final Preprocessing.Filler f = filler;
        return f == null ? 0 : f.depth();
    }

    /** The leader's next batch: whole requests, up to max-batch images, waiting at most max-wait after the first. */
    private List<Pending> collect() {
        final List<Pending> batch = new ArrayList<>();
        try {
            final Pending first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (first == null) {
                return batch;
            }
            batch.add(first);
            int images = first.request.count();
            final long deadline = System.nanoTime() + settings.maxWait().toNanos();
            while (images < settings.maxBatch()) {
                final Pending next = queue.pollFirst(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
                if (next == null) {
                    break;
                }
                if (images + next.request.count() > settings.maxBatch()) {
                    queue.addFirst(next); // the next batch starts with it
                    break;
                }
                batch.add(next);
                images += next.request.count();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        // A request dropped since (its client left) still takes its rows: the other parties already count on them.
        return batch;
    }

    /** This party's shares of the requests the leader named, waiting at most match-timeout for them in all. */
    private List<Pending> match(final List<String> keys) {
        final List<Pending> out = new ArrayList<>();
        final long deadline = System.nanoTime() + settings.matchTimeout().toNanos();
        for (final String key : keys) {
            Pending p = pending.get(key);
            synchronized (arrived) {
                while (p == null && !crash && System.nanoTime() - deadline < 0) {
                    try {
                        arrived.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                    p = pending.get(key);
                }
            }
            out.add(p); // null: this party never got its share; the rows are zeros and the request fails here
        }
        return out;
    }

    private long[] forward(final SecureOps ops, final SecureEngine engine, final Sequential<SecretTensor> model,
                           final List<Pending> batch, final int[] counts, final int max) {
        final long[] input = new long[max * IMAGE_ELEMENTS];
        int row = 0;
        for (int i = 0; i < counts.length; i++) {
            final Pending p = batch.get(i);
            if (p != null && p.request.count() == counts[i]) {
                System.arraycopy(p.request.shares(), 0, input, row * IMAGE_ELEMENTS, counts[i] * IMAGE_ELEMENTS);
            }
            row += counts[i];
        }
        final SecretTensor x = ops.adopt(RingTensor.of(input, max, IMAGE[0], IMAGE[1], IMAGE[2]), fracBits);
        Arrays.fill(input, 0);
        try (Tape<SecretTensor> tape = new Tape<>(engine)) {
            final SecretTensor out = model.forward(tape.input(x)).value();
            return out.share().toArray();
        } finally {
            x.close();
        }
    }

    private void answer(final List<Pending> batch, final int[] counts, final long[] logits, final boolean pooled) {
        final int classes = MnistCnn.CLASSES;
        int row = 0;
        int total = 0;
        for (int i = 0; i < counts.length; i++) {
            final Pending p = batch.get(i);
            if (p != null && p.request.count() == counts[i]) {
                final long[] mine = Arrays.copyOfRange(logits, row * classes, (row + counts[i]) * classes);
                p.answer.complete(InferenceWire.encode(new InferenceWire.Response(p.request.id(), counts[i], classes,
                    mine)));
                images.addAndGet(counts[i]);
            } else if (p != null) {
                p.answer.completeExceptionally(new IllegalStateException("request " + Long.toHexString(
                    p.request.id()) + " has a different image count at another compute party"));
                failed.incrementAndGet();
            } else {
                failed.incrementAndGet();
                LOG.log(Level.WARNING, "party {0}: a batched request never reached this party within {1} ms",
                    self, settings.matchTimeout().toMillis());
            }
            row += counts[i];
            total += counts[i];
        }
        Arrays.fill(logits, 0);
        batches.incrementAndGet();
        if (pooled) {
            fromPool.incrementAndGet();
        }
        synchronized (batchSizes) {
            batchSizes.merge(total, 1L, Long::sum);
        }
        LOG.log(Level.DEBUG, "party {0}: batch of {1} images, pool depth {2}", self, total, poolDepth());
    }

    private void sendAll(final SecureOps ops, final byte[] message) {
        for (int p = 1; p < parties; p++) {
            ops.session().transport().sendBytes(p, message);
        }
    }

    // ------------------------------------------------------------------------------------------------ descriptors

    /**
     * The rows of a forward pass of {@code images} images without the pool: the next power of two (at most
     * {@code max}), so that few shapes occur and a lone request does not pay for a full batch.
     */
    static int bucket(final int images, final int max) {
        return Math.min(max, Integer.highestOneBit(Math.max(1, images - 1)) << (images > 1 ? 1 : 0));
    }

    private static byte[] describe(final byte type, final int rows, final boolean pooling,
                                   final List<Pending> batch) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out =
            new DataOutputStream(bytes)) {
            out.writeByte(type);
            out.writeInt(rows);
            out.writeBoolean(pooling);
            out.writeInt(batch.size());
            for (final Pending p : batch) {
                final byte[] key = p.key.getBytes(StandardCharsets.UTF_8);
                out.writeInt(key.length);
                out.write(key);
                out.writeInt(p.request.count());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the leader sent: a batch's requests (keys and image counts), a prefetch, or stop. */
    private record Descriptor(byte type, int rows, boolean pooling, List<String> keys, int[] counts) {
        static Descriptor read(final byte[] message) {
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(message))) {
                final byte type = in.readByte();
                final int rows = in.readInt();
                final boolean pooling = in.readBoolean();
                final int n = in.readInt();
                if (type < BATCH || type > STOP || n < 0 || n > 65_536 || rows < 0 || rows > 4096) {
                    throw new IllegalStateException("malformed batch descriptor from the leader");
                }
                final List<String> keys = new ArrayList<>(n);
                final int[] counts = new int[n];
                for (int i = 0; i < n; i++) {
                    final int len = in.readInt();
                    if (len < 0 || len > 1024) {
                        throw new IllegalStateException("malformed batch descriptor from the leader");
                    }
                    keys.add(new String(in.readNBytes(len), StandardCharsets.UTF_8));
                    counts[i] = in.readInt();
                }
                return new Descriptor(type, rows, pooling, keys, counts);
            } catch (IOException e) {
                throw new IllegalStateException("malformed batch descriptor from the leader", e);
            }
        }
    }
}
