package dev.obscura.cpu;

import dev.obscura.backend.FloatGemm;
import dev.obscura.backend.FloatGemmProvider;
import java.util.Optional;

/**
 * Registers the OpenBLAS GEMM ({@code "openblas"}, rank 200, above the pure-Java one) for
 * {@link dev.obscura.backend.FloatGemms} through {@code META-INF/services/dev.obscura.backend.FloatGemmProvider}. It
 * reports
 * itself unavailable, with the reason in one line, when {@code libjniobscura} or OpenBLAS cannot be loaded here;
 * plain engines then use the Java GEMM.
 */
public final class OpenBlasFloatGemmProvider implements FloatGemmProvider {
    /** Rank among providers: OpenBLAS 200, Java 100. */
    public static final int RANK = 200;

    /** The constructor {@link java.util.ServiceLoader} calls. */
    public OpenBlasFloatGemmProvider() {
        // Loading happens on the first availability check, not here.
    }

    @Override
    public String name() {
        return OpenBlasFloatGemm.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Optional<String> unavailableReason() {
        return OpenBlasFloatGemm.unavailableReason();
    }

    @Override
    public FloatGemm create() {
        return OpenBlasFloatGemm.instance();
    }
}
