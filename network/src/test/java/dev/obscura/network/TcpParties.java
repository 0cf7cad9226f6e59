package dev.obscura.network;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.LocalParties;
import dev.obscura.ring.FixedPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The one piece of test glue that starts protocol sessions over {@link TcpTransport}s, the way {@code LocalCluster}
 * starts them in-process: one thread per endpoint, named like {@code LocalCluster}'s ({@code obscura-party-N},
 * {@code obscura-dealer}), parties through {@code Session.establish} and {@code suite.init}, the dealer through
 * {@code suite.runDealer}. A party or dealer that throws aborts its transport, which fails every other endpoint
 * at once with a message naming it. (When suites declare their helper roles, only this class changes.)
 */
final class TcpParties {
    /** The longest a test waits for a whole run. */
    static final long RUN_WAIT_SECONDS = 120;

    static {
        DeterministicSeeds.install();
    }

    private TcpParties() {
    }

    /** What each endpoint's thread ended with: a party's result, or its failure. */
    record Outcome<T>(List<T> results, List<Throwable> failures, List<Long> endNanos) {
        /** The results, or the first failure thrown. */
        List<T> orThrow() {
            for (final Throwable t : failures) {
                if (t != null) {
                    throw new AssertionError("endpoint failed: " + t, t);
                }
            }
            return results;
        }
    }

    /**
     * Runs {@code program} on every party of {@code endpoints} (ids {@code 0 .. parties-1}; the next one, if any, is
     * the dealer), closing each transport when its role ends.
     */
    static <T> Outcome<T> run(final List<TcpTransport> endpoints, final ProtocolSuite suite, final Backend backend,
                              final FixedPoint fixedPoint, final Function<SecureOps, T> program) {
        final int parties = endpoints.get(0).parties();
        final List<CompletableFuture<T>> futures = new ArrayList<>();
        final long[] ends = new long[endpoints.size()];
        final List<Thread> threads = new ArrayList<>();
        for (final TcpTransport t : endpoints) {
            final CompletableFuture<T> f = new CompletableFuture<>();
            futures.add(f);
            final boolean party = t.self() < parties;
            final Thread thread = new Thread(() -> {
                try {
                    if (party) {
                        final Session session = Session.establish(t, backend, fixedPoint,
                            suite.helperRoles().size());
                        final T result = program.apply(new SecureOps(suite.init(session)));
                        ends[t.self()] = System.nanoTime();
                        f.complete(result);
                    } else {
                        suite.helperRoles().get(t.self() - parties).run(t, backend);
                        ends[t.self()] = System.nanoTime();
                        f.complete(null);
                    }
                } catch (Throwable e) {
                    ends[t.self()] = System.nanoTime();
                    t.abort((party ? "party " + t.self() : "the dealer") + " failed: " + e.getClass().getSimpleName()
                        + ": " + e.getMessage());
                    f.completeExceptionally(e);
                } finally {
                    t.close();
                }
            }, party ? "obscura-party-" + t.self() : "obscura-dealer");
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        final List<T> results = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();
        for (final CompletableFuture<T> f : futures) {
            try {
                results.add(f.get(RUN_WAIT_SECONDS, TimeUnit.SECONDS));
                failures.add(null);
            } catch (ExecutionException e) {
                results.add(null);
                failures.add(e.getCause());
            } catch (TimeoutException | InterruptedException e) {
                throw new AssertionError("an endpoint hung: " + e, e);
            }
        }
        final List<Long> endNanos = new ArrayList<>();
        for (final long e : ends) {
            endNanos.add(e);
        }
        return new Outcome<>(results.subList(0, parties), failures, endNanos);
    }

    /** The same program on the in-process network (the reference), with the same seeds per party. */
    static <T> List<T> inProcess(final int parties, final ProtocolSuite suite, final Backend backend,
                                 final FixedPoint fixedPoint, final Function<SecureOps, T> program) {
        return LocalParties.builder().parties(parties).suite(suite).backend(backend).fixedPoint(fixedPoint).build()
            .run(program);
    }
}
