package dev.obscura.cpu;

import dev.obscura.text.UntrustedText;
import java.util.Optional;

/**
 * Reads the native backend's settings: a system property, else an environment variable (see
 * {@link NativeCpuBackend} for the names and their meaning). A malformed or unsatisfiable value is an
 * {@link IllegalArgumentException} naming the setting, never a silent default.
 */
final class NativeSettings {
    private NativeSettings() {
    }

    /** The pool size the settings ask for. */
    static int configuredThreads() {
        final String value = setting(NativeCpuBackend.THREADS_PROPERTY, NativeCpuBackend.THREADS_ENVIRONMENT);
        if (value == null) {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }
        try {
            final int threads = Integer.parseInt(value.trim());
            if (threads >= 1 && threads <= 1024) {
                return threads;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid native thread count, " + NativeCpuBackend.THREADS_PROPERTY + "="
            + UntrustedText.quote(value) + ", expected an integer in [1, 1024]");
    }

    /** The SIMD level the settings ask for, or {@code max} when none is set. */
    static SimdLevel configuredLevel(final SimdLevel max) {
        final String value = setting(NativeCpuBackend.SIMD_PROPERTY, NativeCpuBackend.SIMD_ENVIRONMENT);
        if (value == null) {
            return max;
        }
        final SimdLevel level;
        try {
            level = SimdLevel.parse(value);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown SIMD level, " + NativeCpuBackend.SIMD_PROPERTY + "="
                + UntrustedText.quote(value)
                + ", accepted=scalar, avx2, avx512", e);
        }
        if (level.ordinal() > max.ordinal()) {
            throw new IllegalArgumentException(NativeCpuBackend.SIMD_PROPERTY + "=" + level.label()
                + " asks for more than this CPU supports, best=" + max.label());
        }
        return level;
    }

    /**
     * The GEMM path the settings ask for, or {@code lib}'s default for {@code level} when none is set.
     *
     * @throws IllegalArgumentException when the value names no path or one this CPU cannot run
     */
    static GemmPath configuredGemmPath(final NativeLibrary lib, final SimdLevel level) {
        final String value = setting(NativeCpuBackend.MATMUL_PROPERTY, NativeCpuBackend.MATMUL_ENVIRONMENT);
        if (value == null) {
            return lib.defaultGemmPath(level);
        }
        final GemmPath path;
        try {
            path = GemmPath.parse(value);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown GEMM path, " + NativeCpuBackend.MATMUL_PROPERTY + "="
                + UntrustedText.quote(value) + ", accepted=" + GemmPath.accepted(), e);
        }
        final Optional<String> unavailable = lib.gemmPathUnavailable(path);
        if (unavailable.isPresent()) {
            throw new IllegalArgumentException(NativeCpuBackend.MATMUL_PROPERTY + "=" + path.label()
                + " cannot run here: " + unavailable.get());
        }
        return path;
    }

    private static String setting(final String property, final String environment) {
        final String p = System.getProperty(property);
        if (p != null && !p.isBlank()) {
            return p;
        }
        final String e = System.getenv(environment);
        return e != null && !e.isBlank() ? e : null;
    }
}
