package dev.obscura.protocols;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.TransportException;
import dev.obscura.random.SeedSource;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.MemoryBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Long-lived in-process parties: N party threads (and one thread per helper role of the suite, its dealer say) that
 * establish their sessions once and then run program after program on them, keeping their shares and helper
 * connections between runs. This is what a service embedding encrypted inference keeps open, and what the
 * benchmarks time; {@link LocalParties#run} is a cluster used for one program.
 *
 * <p>A failure of any party or helper fails the whole cluster: the failing {@link #run} throws a
 * {@link PartyFailureException} with the root cause, and every later run throws at once. {@link #run} is
 * synchronized: one program at a time.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Duration HELPER_GRACE = Duration.ofSeconds(2);

    private final int parties;
    private final ClusterNetwork network;
    private final List<LinkedBlockingQueue<Task<?>>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<HelperRole> roles;
    private final List<CompletableFuture<Void>> helpers = new ArrayList<>();
    private final PlaintextTwin twin;
    private PartyFailureException broken;
    private boolean closed;

    /** One program for one party, where its result goes, and whether the party leaves after it. */
    private record Task<T>(Function<SecureOps, T> program, CompletableFuture<T> result, boolean last) {
    }

    private static final Task<Void> STOP = new Task<>(ops -> null, new CompletableFuture<>(), true);

    /**
     * Starts the cluster on a network from {@code networks}; endpoint {@code id} (party or helper) draws its seeds
     * from {@code seeds.apply(id)}.
     */
    LocalCluster(final int parties, final ProtocolSuite suite, final Backend backend, final FixedPoint fixedPoint,
                 final Duration timeout, final IntFunction<SeedSource> seeds, final ClusterNetwork.Factory networks,
                 final boolean checked) {
        this.parties = parties;
        this.twin = checked ? new PlaintextTwin(parties, suite, backend, fixedPoint.fracBits(), timeout) : null;
        this.roles = List.copyOf(suite.helperRoles());
        this.network = networks.create(suite.name(), parties, roles.stream().map(HelperRole::name).toList(),
            timeout);
        for (int p = 0; p < parties; p++) {
            final int id = p;
            final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
            queues.add(queue);
            threads.add(daemon("obscura-party-" + id, () -> serve(id, queue, suite, backend, fixedPoint,
                seeds.apply(id))));
        }
        for (int r = 0; r < roles.size(); r++) {
            final HelperRole role = roles.get(r);
            final int id = parties + r;
            final CompletableFuture<Void> done = new CompletableFuture<>();
            helpers.add(done);
            threads.add(daemon("obscura-" + role.name(), () -> {
                try {
                    role.run(network.endpoint(id), backend, seeds.apply(id));
                    done.complete(null);
                } catch (Throwable t) {
                    network.fail("the " + role.name() + " failed: " + t.getClass().getSimpleName());
                    done.completeExceptionally(t);
                } finally {
                    MemoryBudget.releaseThreadPool();
                }
            }));
        }
        threads.forEach(Thread::start);
    }

    private static Thread daemon(final String name, final Runnable body) {
        final Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    /** The party loop: establish the session once, then run each queued program until told to stop. */
    private void serve(final int id, final LinkedBlockingQueue<Task<?>> queue, final ProtocolSuite suite,
                       final Backend backend, final FixedPoint fixedPoint, final SeedSource seeds) {
        Session session = null;
        SecureOps ops = null;
        Throwable setupFailure = null;
        try {
            session = Session.establish(network.endpoint(id), backend, fixedPoint, roles.size(), seeds);
            ops = new SecureOps(suite.init(session), twin == null ? null : twin.party(id));
        } catch (Throwable t) {
            setupFailure = t;
            if (twin != null) {
                twin.partyFailed(id);
            }
            network.fail("party " + id + " failed: " + t.getClass().getSimpleName());
        }
        try {
            while (true) {
                final Task<?> task = queue.take();
                if (task == STOP) {
                    return;
                }
                if (setupFailure != null) {
                    task.result().completeExceptionally(setupFailure);
                    continue;
                }
                if (!execute(id, task, ops)) {
                    setupFailure = task.result().handle((v, t) -> t).join();
                }
                if (task.last()) {
                    return; // closing the session now tells peers still waiting on this party that it left
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Fail the network before closing this endpoint (when failing), so that the others see FAILED, the
            // mark of a secondary failure, rather than CLOSED.
            if (session != null) {
                session.close();
            }
            // This party's pooled blocks go to the shared pool zeroed now, not when the thread is collected.
            MemoryBudget.releaseThreadPool();
        }
    }

    private <T> boolean execute(final int id, final Task<T> task, final SecureOps ops) {
        try {
            final T result = task.program().apply(ops);
            if (twin != null) {
                twin.partyFinished(id); // before the result is handed back, so before the next run starts
            }
            task.result().complete(result);
            return true;
        } catch (Throwable t) {
            if (twin != null) {
                twin.partyFailed(id);
            }
            network.fail("party " + id + " failed: " + t.getClass().getSimpleName());
            task.result().completeExceptionally(t);
            return false;
        }
    }

    /** Number of parties. */
    public int parties() {
        return parties;
    }

    /** Whether the parties run in checked mode ({@link LocalParties.Builder#checked}). */
    public boolean checked() {
        return twin != null;
    }

    /**
     * Runs {@code program} on every party's long-lived operations and returns the results, indexed by party id.
     *
     * @throws PartyFailureException when a party or a helper fails (the cluster is then unusable)
     * @throws IllegalStateException when the cluster is closed or already failed
     */
    public <T> List<T> run(final Function<SecureOps, T> program) {
        return run(program, false);
    }

    /**
     * Runs {@code program} as the last one: each party closes its session as soon as its own part returns, so a
     * party that is still waiting on one that left fails at once instead of at its time-out.
     */
    <T> List<T> runLast(final Function<SecureOps, T> program) {
        return run(program, true);
    }

    private synchronized <T> List<T> run(final Function<SecureOps, T> program, final boolean last) {
        if (closed) {
            throw new IllegalStateException("the cluster is closed");
        }
        if (broken != null) {
            throw new IllegalStateException("the cluster failed earlier: " + broken.getMessage(), broken);
        }
        if (twin != null) {
            twin.runStarted();
        }
        final List<CompletableFuture<T>> results = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            final CompletableFuture<T> result = new CompletableFuture<>();
            results.add(result);
            queues.get(p).add(new Task<>(program, result, last));
        }
        final List<T> out = new ArrayList<>();
        Failure first = null;
        for (int p = 0; p < parties; p++) {
            try {
                out.add(results.get(p).get());
            } catch (ExecutionException e) {
                first = Failure.earliest(first, new Failure(p, e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PartyFailureException(-1, "interrupted while waiting for the parties", e);
            }
        }
        if (first != null) {
            for (int r = 0; r < roles.size(); r++) {
                first = Failure.earliest(first, helperFailure(r));
            }
            final String who = first.party() >= parties ? "the " + roles.get(first.party() - parties).name()
                : "party " + first.party();
            broken = new PartyFailureException(first.party(), who + " failed: " + first.cause(), first.cause());
            throw broken;
        }
        return out;
    }

    /** Helper role {@code r}'s failure, if it failed (it stops promptly once the network has failed). */
    private Failure helperFailure(final int r) {
        try {
            helpers.get(r).get(HELPER_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return new Failure(parties + r, e.getCause());
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Stops the parties (closing their sessions, which ends the helpers) and releases the network. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        queues.forEach(q -> q.add(STOP));
        for (final Thread t : threads) {
            try {
                t.join(HELPER_GRACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        network.close();
    }

    @Override
    public String toString() {
        return "LocalCluster[parties=" + parties + ", helpers=" + roles.size() + (twin != null ? ", checked" : "")
            + "]";
    }

    /** A failure; the root cause is preferred over the failures it caused at the other parties. */
    record Failure(int party, Throwable cause) {
        boolean secondary() {
            return cause instanceof TransportException t && t.reason() == TransportException.Reason.FAILED;
        }

        static Failure earliest(final Failure current, final Failure next) {
            if (next == null) {
                return current;
            }
            if (current == null || current.secondary() && !next.secondary()) {
                return next;
            }
            return current;
        }
    }
}
