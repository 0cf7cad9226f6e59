package dev.obscura.backend;

import java.util.Optional;

/**
 * Registers {@link JavaFloatGemm} ({@value JavaFloatGemm#NAME}, rank 100): always available, so a plain engine
 * always has a GEMM. Each call to {@link #create()} returns a new instance (each keeps its own packing buffers).
 */
public final class JavaFloatGemmProvider implements FloatGemmProvider {
    /** Rank among providers: OpenBLAS 200, Java 100. */
    public static final int RANK = 100;

    /** The constructor {@link java.util.ServiceLoader} calls. */
    public JavaFloatGemmProvider() {
        // Stateless.
    }

    @Override
    public String name() {
        return JavaFloatGemm.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public FloatGemm create() {
        return new JavaFloatGemm();
    }
}
