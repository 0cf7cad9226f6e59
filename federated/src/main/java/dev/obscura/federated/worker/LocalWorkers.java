package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Workers that live in this process (PySyft's virtual workers), for tests, demos and simulations: each has its own
 * thread and objects, and every request and answer crosses as the same bytes as to a remote worker, so code run on
 * them runs unchanged on {@link RemoteWorkers}. Workers reach each other directly (a {@code move} does not pass
 * through the caller), and form secure groups over an in-process network.
 *
 * <pre>{@code
 * try (LocalWorkers workers = LocalWorkers.start("bob", "alice")) {
 *     Worker bob = workers.get("bob");
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class LocalWorkers implements Workers {
    /** The name under which this process calls its workers. */
    public static final String CALLER = "caller";

    private final Map<String, WorkerNode> nodes = new LinkedHashMap<>();
    private final Map<String, Worker> handles = new LinkedHashMap<>();
    private final LocalGroupNetworks groups = new LocalGroupNetworks();

    private LocalWorkers(final Builder b) {
        for (final Map.Entry<String, Map<String, LabelledImages>> e : b.workers.entrySet()) {
            final String name = e.getKey();
            final WorkerNode.Context context = new WorkerNode.Context().timeout(b.timeout).groupNetworks(groups)
                .datasets(e.getValue()).peers(peer -> WorkerChannel.inProcess(node(peer), name));
            nodes.put(name, new WorkerNode(name, context));
        }
        for (final Map.Entry<String, WorkerNode> e : nodes.entrySet()) {
            handles.put(e.getKey(), new Worker(WorkerChannel.inProcess(e.getValue(), CALLER), b.timeout));
        }
    }

    /** Starts workers with these names, holding no data, with the default time-out. */
    public static LocalWorkers start(final String... names) {
        final Builder b = builder();
        for (final String n : names) {
            b.worker(n);
        }
        return b.build();
    }

    /** Settings of in-process workers. */
    public static Builder builder() {
        return new Builder();
    }

    private WorkerNode node(final String name) {
        final WorkerNode n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no worker is called " + dev.obscura.text.UntrustedText.quote(name)
                + ", workers=" + nodes.keySet());
        }
        return n;
    }

    @Override
    public Worker get(final String name) {
        node(name);
        return handles.get(name);
    }

    @Override
    public List<Worker> all() {
        return new ArrayList<>(handles.values());
    }

    /**
     * Stops worker {@code name} at once, as if its process died: requests in flight and later fail as a lost
     * connection does ({@link WorkerException.Kind#UNREACHABLE}). For demos and tests of callers that must survive
     * a dead worker.
     */
    public void kill(final String name) {
        node(name).kill();
    }

    /**
     * The secure-aggregation rounds whose client state worker {@code name} holds now (0 once every round it took
     * part in has ended or timed out): for tests that the state does not outlive its round.
     */
    public int secureAggregationRounds(final String name) {
        return node(name).secureAggregationRounds();
    }

    /** Closes every handle and stops every worker. */
    @Override
    public void close() {
        handles.values().forEach(Worker::close);
        nodes.values().forEach(WorkerNode::close);
    }

    @Override
    public String toString() {
        return "LocalWorkers" + nodes.keySet();
    }

    /** Names, data sets and the time-out of the workers. */
    public static final class Builder {
        private final Map<String, Map<String, LabelledImages>> workers = new LinkedHashMap<>();
        private Duration timeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** A worker called {@code name} that holds no data of its own. */
        public Builder worker(final String name) {
            return worker(name, Map.of());
        }

        /** A worker called {@code name} that holds {@code datasets} of its own, by name ({@link Worker#dataset}). */
        public Builder worker(final String name, final Map<String, LabelledImages> datasets) {
            if (workers.putIfAbsent(Workers.checkName(name), Map.copyOf(datasets)) != null) {
                throw new IllegalArgumentException("two workers are called " + name);
            }
            return this;
        }

        /** The longest one request waits (default 60 s). */
        public Builder timeout(final Duration t) {
            if (Objects.requireNonNull(t).isNegative() || t.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, timeout=" + t);
            }
            this.timeout = t;
            return this;
        }

        /** The workers, started. */
        public LocalWorkers build() {
            if (workers.isEmpty()) {
                throw new IllegalArgumentException("at least one worker is needed");
            }
            return new LocalWorkers(this);
        }
    }
}
