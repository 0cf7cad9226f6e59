package dev.obscura.benchmarks;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.ring.RingTensor;

/**
 * Opens the backend a benchmark is parameterised by, failing its setup with a message that says what to do when
 * the backend cannot run here (JMH then reports that benchmark as failed and goes on with the next one).
 */
final class BenchmarkBackends {
    /** System property the native backend reads for its thread count. */
    static final String THREADS_PROPERTY = "obscura.threads";
    /** System property the native backend reads for its GEMM path ({@code dev.obscura.cpu.GemmPath}). */
    static final String MATMUL_PROPERTY = "obscura.matmul";
    /** The {@code path} parameter value that leaves the GEMM path to the backend's own choice for this CPU. */
    static final String DEFAULT_PATH = "default";

    private BenchmarkBackends() {
    }

    /** The backend named {@code name}, with the thread count the fork was started with. */
    static Backend open(final String name) {
        if (RingTensor.SHOULD_BOUNDS_CHECK) {
            throw new IllegalStateException("benchmarks must run with bounds checks off: pass "
                + ForkFlags.BOUNDS_CHECKS_OFF + " (a -jvmArgsAppend on the JMH command line replaces the one"
                + " in @Fork)");
        }
        try {
            final Backend backend = Backends.byName(name);
            // Goes to the fork's console output: records the SIMD level and thread count that were measured.
            System.out.println("# Obscura backend: " + backend.description());
            return backend;
        } catch (final IllegalArgumentException e) {
            throw new IllegalStateException("backend " + name + " cannot be benchmarked here (" + e.getMessage()
                + "); available=" + Backends.availableNames() + "; leave it out with -p backend=<available>", e);
        }
    }

    /**
     * The backend named {@code name} running on {@code threads} threads. JMH runs each parameter combination in a
     * fresh fork, so the property is set before any backend of this JVM is created.
     */
    static Backend open(final String name, final int threads) {
        System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
        return open(name);
    }

    /**
     * As {@link #open(String, int)}, with the native backend's GEMM path forced to {@code gemmPath} ({@code vpmullq},
     * {@code vnni}, {@code amx}, ...) unless it is {@value #DEFAULT_PATH}. A forced path the CPU lacks fails the
     * setup with the backend's reason; other backends have no GEMM path to force.
     */
    static Backend open(final String name, final int threads, final String gemmPath) {
        if (!DEFAULT_PATH.equals(gemmPath)) {
            if (!"native-cpu".equals(name)) {
                throw new IllegalStateException("-p path=" + gemmPath + " applies to backend native-cpu only, backend="
                    + name + "; run the other backends with -p path=" + DEFAULT_PATH);
            }
            System.setProperty(MATMUL_PROPERTY, gemmPath);
        }
        return open(name, threads);
    }
}
