package dev.obscura.cpu;

import dev.obscura.text.UntrustedText;

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

    private static String setting(final String property, final String environment) {
        final String p = System.getProperty(property);
        if (p != null && !p.isBlank()) {
            return p;
        }
        final String e = System.getenv(environment);
        return e != null && !e.isBlank() ? e : null;
    }
}
