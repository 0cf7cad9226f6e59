package dev.obscura.cpu;

import java.util.Optional;

/**
 * What a {@link NativeCpuBackend} fixes when it is created, checked against what the CPU runs: its SIMD level, its
 * GEMM path, its thread limit and whether AES is forced to the portable software version (tests only).
 *
 * @param level       the instruction-set level of every kernel but the GEMM
 * @param gemmPath    the kernel behind every matrix product and convolution
 * @param threads     the most threads one call uses, the caller included, at most the pool's size
 * @param softwareAes whether AES-CTR uses the software AES whatever the CPU has
 */
record NativeConfig(SimdLevel level, GemmPath gemmPath, int threads, boolean softwareAes) {
    private static final int SOFTWARE_AES = 0x10;
    private static final int GEMM_PATH_SHIFT = 5;
    private static final int THREADS_SHIFT = 8;

    /**
     * The configuration the settings ask for ({@link NativeSettings}) on the whole pool.
     *
     * @throws IllegalArgumentException naming the setting the CPU cannot honour
     */
    static NativeConfig fromSettings(final NativeLibrary lib) {
        final SimdLevel level = NativeSettings.configuredLevel(lib.maxLevel());
        return new NativeConfig(level, NativeSettings.configuredGemmPath(lib, level), lib.poolSize(), false);
    }

    /**
     * An explicit configuration, with {@code threads} capped at the pool's size.
     *
     * @throws IllegalArgumentException when the CPU cannot run {@code level} or {@code gemmPath}, or {@code threads}
     *                                  is below 1
     */
    static NativeConfig of(final NativeLibrary lib, final SimdLevel level, final GemmPath gemmPath, final int threads,
                           final boolean softwareAes) {
        if (level.ordinal() > lib.maxLevel().ordinal()) {
            throw new IllegalArgumentException("this CPU cannot run SIMD level " + level.label()
                + ", supported=" + NativeCpuBackend.supportedLevels());
        }
        final Optional<String> noPath = lib.gemmPathUnavailable(gemmPath);
        if (noPath.isPresent()) {
            throw new IllegalArgumentException("this CPU cannot run GEMM path " + gemmPath.label() + ": "
                + noPath.get());
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, threads=" + threads);
        }
        return new NativeConfig(level, gemmPath, Math.min(threads, lib.poolSize()), softwareAes);
    }

    /** The {@code config} argument of every {@link CpuKernels} call (the bit layout is documented there). */
    int word() {
        return level.ordinal() | (softwareAes ? SOFTWARE_AES : 0) | (gemmPath.ordinal() << GEMM_PATH_SHIFT)
            | (threads << THREADS_SHIFT);
    }

    /**
     * The backend's description, for example {@code native-cpu (avx512, gemm vpmullq, vaes512, cpu AuthenticAMD
     * family 26 model 2, 2 threads)}: what the benchmarks and {@code obscura backends} must record.
     */
    String description() {
        return NativeCpuBackend.NAME + " (" + level.label() + ", gemm " + gemmPath.label() + ", "
            + CpuKernels.AES_IMPLS[CpuKernels.aesImpl(word())] + ", cpu " + NativeLibrary.get().cpuDescription() + ", "
            + threads + (threads == 1 ? " thread)" : " threads)");
    }
}
