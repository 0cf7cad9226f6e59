package dev.obscura.benchmarks;

/**
 * JVM flags every benchmark fork runs with, as compile-time constants so that {@code @Fork(jvmArgsAppend = ...)}
 * can name them.
 *
 * <p>Passing {@code -jvmArgsAppend} on the JMH command line replaces these; every benchmark's setup checks that
 * bounds checks are still off and fails otherwise.
 */
final class ForkFlags {
    /** Folds {@code RingTensor.SHOULD_BOUNDS_CHECK} away, as production hot loops would want. */
    static final String BOUNDS_CHECKS_OFF = "-Dobscura.disable.bounds.checks=true";
    /** Agrona's {@code UnsafeApi} needs this on JDK 17. */
    static final String OPEN_MISC = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Agrona's direct-buffer access needs this on JDK 17. */
    static final String OPEN_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** The native backend's thread count: one, so that ring and plaintext twin both use one core. */
    static final String ONE_THREAD = "-D" + BenchmarkBackends.THREADS_PROPERTY + "=1";

    private ForkFlags() {
    }
}
