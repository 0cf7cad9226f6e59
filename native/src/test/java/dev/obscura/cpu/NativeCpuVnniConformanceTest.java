package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared conformance suite with every matrix product and convolution on GEMM path vnni (the ring GEMM through
 * 8-bit limbs, docs/LIMB_GEMM.md), skipped with the reason printed on a CPU without it.
 */
class NativeCpuVnniConformanceTest extends BackendConformanceTest {
    /** Skips (or fails, when the library is required but missing) the whole class before the suite's set-up. */
    @BeforeAll
    static void requireGemmPath() {
        NativeTestSupport.assumeGemmPath(GemmPath.VNNI);
    }

    @Override
    protected Backend candidate() {
        return NativeCpuBackend.create(SimdLevel.AVX512, GemmPath.VNNI, NativeCpuBackend.poolSize());
    }
}
