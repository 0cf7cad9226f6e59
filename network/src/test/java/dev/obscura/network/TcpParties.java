package dev.obscura.network;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.Session;
import dev.obscura.ring.FixedPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * The test glue that starts protocol sessions over {@link TcpTransport}s, one thread per endpoint (named like
 * {@code LocalCluster}'s, {@code obscura-party-N} and {@code obscura-dealer}): {@link #runtimes} through
 * {@link EndpointRuntime}, as the party and dealer processes do; {@link #run} on transports a test opened itself
 * (to injure them), with the suite's helper roles. A party or helper that throws aborts its transport, which fails
 * every other endpoint at once with a message naming it.
 */
final class TcpParties {
    /** The longest a test waits for a whole run. */
    static final long RUN_WAIT_SECONDS = 120;

    private TcpParties() {
    }

    /**
     * Runs {@code program} on every party of {@code config} and the suite's helpers, each endpoint an
     * {@link EndpointRuntime} on its own thread with the settings {@code settings} makes of its context. Failures
     * are {@link EndpointFailedException}s.
     */
    static <T> Outcome<T> runtimes(final NetworkConfig config, final ProtocolSuite suite,
                                   final UnaryOperator<EndpointRuntime.Context> settings,
                                   final Function<SecureOps, T> program) {
        return runtimes(config, suite, settings, program, config.endpoints().size());
    }

    /** As {@link #runtimes(NetworkConfig, ProtocolSuite, UnaryOperator, Function)}, on the first {@code endpoints}. */
    static <T> Outcome<T> runtimes(final NetworkConfig config, final ProtocolSuite suite,
                                   final UnaryOperator<EndpointRuntime.Context> settings,
                                   final Function<SecureOps, T> program, final int endpoints) {
        return await(endpoints, config.parties(), id -> {
            final EndpointRuntime.Context c = settings.apply(new EndpointRuntime.Context().config(config).self(id)
                .suite(suite));
            if (id < config.parties()) {
                return EndpointRuntime.runParty(c, program);
            }
            EndpointRuntime.runHelper(c);
            return null;
        });
    }

    /** Runs {@code body} for endpoints {@code 0 .. endpoints-1}, each on its own thread, and waits for them. */
    private static <T> Outcome<T> await(final int endpoints, final int parties, final IntFunction<T> body) {
        final List<CompletableFuture<T>> futures = new ArrayList<>();
        final long[] ends = new long[endpoints];
        for (int id = 0; id < endpoints; id++) {
            final int self = id;
            final CompletableFuture<T> f = new CompletableFuture<>();
            futures.add(f);
            final Thread thread = new Thread(() -> {
                try {
                    f.complete(body.apply(self));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                } finally {
                    ends[self] = System.nanoTime();
                }
            }, self < parties ? "obscura-party-" + self : "obscura-helper-" + (self - parties));
            thread.setDaemon(true);
            thread.start();
        }
        return collect(futures, ends, parties);
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
        return collect(futures, ends, parties);
    }

    private static <T> Outcome<T> collect(final List<CompletableFuture<T>> futures, final long[] ends,
                                          final int parties) {
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
}
