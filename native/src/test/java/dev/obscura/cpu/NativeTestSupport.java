package dev.obscura.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether the native tests run here: they are skipped with the reason when the library cannot be loaded (a build
 * without a C++ toolchain), unless system property {@code obscura.native.required=true} or environment variable
 * {@code OBSCURA_NATIVE_REQUIRED=true} demands the library, as CI does; then they fail.
 */
final class NativeTestSupport {
    private NativeTestSupport() {
    }

    /** Whether a missing library is a failure rather than a reason to skip. */
    static boolean required() {
        return Boolean.getBoolean("obscura.native.required")
            || "true".equalsIgnoreCase(System.getenv("OBSCURA_NATIVE_REQUIRED"));
    }

    /** Skips (or, when required, fails) the calling test unless the native library is loaded. */
    static void assumeLoaded() {
        final Optional<String> failure = NativeLibrary.get().failure();
        if (failure.isPresent()) {
            final String message = "native-cpu library unavailable: " + failure.get();
            if (required()) {
                fail(message + " (obscura.native.required=true)");
            }
            Assumptions.abort(message + "; set obscura.native.required=true to fail instead");
        }
    }

    /**
     * Skips the calling test unless the CPU runs GEMM path {@code path}, printing why: a CPU without AMX or VNNI is
     * no failure, but the build log should say which paths went unchecked.
     */
    static void assumeGemmPath(final GemmPath path) {
        assumeLoaded();
        final Optional<String> reason = NativeCpuBackend.gemmPathUnavailableReason(path);
        if (reason.isPresent()) {
            final String message = "GEMM path " + path.label() + " not checked here: " + reason.get();
            System.out.println(message);
            Assumptions.abort(message);
        }
    }

    /** Skips the calling test unless the CPU runs {@code level}; a CPU without AVX-512 is no failure. */
    static void assumeLevel(final SimdLevel level) {
        assumeLoaded();
        Assumptions.assumeTrue(NativeCpuBackend.supportedLevels().contains(level),
            "this CPU cannot run SIMD level " + level.label() + ", supported=" + NativeCpuBackend.supportedLevels());
    }
}
