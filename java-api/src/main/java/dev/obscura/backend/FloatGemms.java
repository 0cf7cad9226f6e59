package dev.obscura.backend;

import java.util.List;

/**
 * Finds {@link FloatGemm} implementations through {@link java.util.ServiceLoader} and picks the one a
 * {@code PlainEngine} (in {@code obscura-nn}) uses: the highest-ranked available provider (OpenBLAS where
 * {@code obscura-native} is on the class path and loads, else the pure-Java GEMM), unless the system property
 * {@value #PROPERTY} or the environment variable
 * {@value #ENVIRONMENT} names one. A GEMM asked for by name that cannot run here is an error, never a silent
 * fallback; automatic discovery skips unavailable providers with one log line saying why.
 *
 * <p>Thread-safe.
 */
public final class FloatGemms {
    /** System property naming the GEMM to use. */
    public static final String PROPERTY = "obscura.gemm";
    /** Environment variable naming the GEMM to use. */
    public static final String ENVIRONMENT = "OBSCURA_GEMM";

    private static final ProviderDiscovery<FloatGemmProvider> DISCOVERY = new ProviderDiscovery<>(
        FloatGemmProvider.class, "GEMM", PROPERTY, ENVIRONMENT, FloatGemmProvider::name, FloatGemmProvider::rank,
        FloatGemmProvider::unavailableReason);

    private FloatGemms() {
    }

    /** Every registered provider, highest rank first, available or not. */
    public static List<FloatGemmProvider> providers() {
        return DISCOVERY.providers();
    }

    /**
     * A GEMM from the provider named {@code name}.
     *
     * @throws IllegalArgumentException when no provider has that name, or it cannot run here (with the reason)
     */
    public static FloatGemm create(final String name) {
        return DISCOVERY.byName(name).create();
    }

    /** A GEMM from the provider the property or environment names, else from the best available one. */
    public static FloatGemm create() {
        // The Java provider is registered by this module; finding none means the class path lost its services file.
        return DISCOVERY.choose().map(FloatGemmProvider::create).orElseGet(JavaFloatGemm::new);
    }
}
