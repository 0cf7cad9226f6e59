package dev.obscura.cpu;

import java.util.Locale;

/**
 * The kernel behind every ring matrix product and convolution of the native CPU backend. The library picks one per
 * CPU (see {@link NativeCpuBackend}); system property {@value NativeCpuBackend#MATMUL_PROPERTY} (or environment
 * variable {@value NativeCpuBackend#MATMUL_ENVIRONMENT}) forces another one the CPU can run. All of them give the
 * same bits; they differ only in speed.
 *
 * <p>The limb paths split each 64-bit operand into 8-bit limbs and sum the 36 limb-pair products that land below
 * 2^64 as int8 dot products with 32-bit sums; {@code docs/LIMB_GEMM.md} derives why that is exact.
 */
public enum GemmPath {
    /** Baseline x86-64 multiply-adds on 64-bit words, any CPU. */
    SCALAR("scalar"),
    /** AVX2: each 64-bit product from one {@code vpmuludq} and one {@code vpmulld}. */
    AVX2("avx2"),
    /** AVX-512: one {@code vpmullq} per 8 products; fast on AMD Zen 4 and 5, three micro-ops on Intel cores. */
    VPMULLQ("vpmullq"),
    /** 8-bit limbs on AVX-512 VNNI ({@code vpdpbusd}): 36 int8 products per ring product. */
    VNNI("vnni"),
    /** 8-bit limbs on AMX-INT8 tiles ({@code tdpbsud}), Intel Sapphire Rapids and later, where Linux grants them. */
    AMX("amx");

    private final String label;

    GemmPath(final String label) {
        this.label = label;
    }

    /** The name used in settings and descriptions: {@code scalar}, {@code avx2}, {@code vpmullq}, ... */
    public String label() {
        return label;
    }

    /** The word-multiply GEMM compiled for {@code level}, the path a level uses unless told otherwise. */
    public static GemmPath ofLevel(final SimdLevel level) {
        switch (level) {
            case AVX512:
                return VPMULLQ;
            case AVX2:
                return AVX2;
            default:
                return SCALAR;
        }
    }

    /**
     * The path named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static GemmPath parse(final String name) {
        final String key = name.trim().toLowerCase(Locale.ROOT);
        for (final GemmPath path : values()) {
            if (path.label.equals(key)) {
                return path;
            }
        }
        throw new IllegalArgumentException("unknown GEMM path, path=" + name + ", accepted=" + accepted());
    }

    /** The accepted names, comma-separated. */
    static String accepted() {
        final StringBuilder names = new StringBuilder();
        for (final GemmPath path : values()) {
            names.append(names.length() == 0 ? "" : ", ").append(path.label);
        }
        return names.toString();
    }
}
