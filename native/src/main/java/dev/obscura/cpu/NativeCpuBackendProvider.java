package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendProvider;
import java.util.Optional;

/**
 * Registers {@link NativeCpuBackend} for discovery ({@code META-INF/services/dev.obscura.backend.BackendProvider}),
 * ranked between CUDA and the Java reference. It reports itself unavailable, with the reason in one line, when the
 * native library cannot be loaded here (no library built for this platform, no compiler at build time, a failed
 * load) or the settings ask for a SIMD level the CPU lacks; discovery then falls back to the Java backend.
 */
public final class NativeCpuBackendProvider implements BackendProvider {
    /** Rank among providers: CUDA 300, native CPU 200, Java 100. */
    public static final int RANK = 200;

    @Override
    public String name() {
        return NativeCpuBackend.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Optional<String> unavailableReason() {
        return NativeCpuBackend.unavailableReason();
    }

    @Override
    public Backend create() {
        return NativeCpuBackend.create();
    }

    @Override
    public String toString() {
        return "NativeCpuBackendProvider[name=" + name() + ", rank=" + RANK + "]";
    }
}
