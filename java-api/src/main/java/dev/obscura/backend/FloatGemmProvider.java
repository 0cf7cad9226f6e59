package dev.obscura.backend;

import java.util.Optional;

/**
 * Service-provider interface through which {@link FloatGemm} implementations are found at run time
 * ({@link java.util.ServiceLoader}); a module registers its provider in
 * {@code META-INF/services/dev.obscura.backend.FloatGemmProvider}. {@link FloatGemms} picks among them.
 *
 * <p>To add one: implement {@link FloatGemm} (calling {@link FloatGemm#checkArguments} first), implement this
 * interface, register it, and check it against {@link JavaFloatGemm} on random shapes, as the OpenBLAS one's test in
 * {@code obscura-native} does.
 */
public interface FloatGemmProvider {

    /** The selection name, for example {@code "openblas"}. */
    String name();

    /** Preference among available providers, higher first: OpenBLAS 200, Java 100. */
    int rank();

    /** Empty when the implementation can run here; otherwise why not, in one line fit for a log message. */
    Optional<String> unavailableReason();

    /**
     * A GEMM for one {@code PlainEngine} (in {@code obscura-nn}); only called when {@link #unavailableReason()} is
     * empty. It may return a
     * shared instance when the implementation is thread-safe.
     */
    FloatGemm create();
}
