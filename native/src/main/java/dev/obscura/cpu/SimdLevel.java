package dev.obscura.cpu;

import dev.obscura.text.UntrustedText;
import java.util.Locale;

/**
 * The instruction-set level of the native CPU kernels. The library holds all three and picks the highest the CPU
 * supports at run time; system property {@value NativeCpuBackend#SIMD_PROPERTY} (or environment variable
 * {@value NativeCpuBackend#SIMD_ENVIRONMENT}) chooses a lower one, for testing and comparison.
 */
public enum SimdLevel {
    /** Baseline x86-64 (SSE2), any 64-bit x86 CPU. */
    SCALAR("scalar"),
    /** AVX2 with BMI2. */
    AVX2("avx2"),
    /** AVX-512 F, DQ, BW and VL. */
    AVX512("avx512");

    private final String label;

    SimdLevel(final String label) {
        this.label = label;
    }

    /** The name used in settings and descriptions: {@code scalar}, {@code avx2}, {@code avx512}. */
    public String label() {
        return label;
    }

    /**
     * The level named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static SimdLevel parse(final String name) {
        final String key = name.trim().toLowerCase(Locale.ROOT);
        for (final SimdLevel level : values()) {
            if (level.label.equals(key)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown SIMD level, level=" + UntrustedText.quote(name)
            + ", accepted=scalar, avx2, avx512");
    }
}
