package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/** The shared conformance suite at SIMD level avx2, skipped on a CPU without it. */
class NativeCpuAvx2ConformanceTest extends BackendConformanceTest {
    /** Skips (or fails, when required) the whole class before the suite's own set-up runs. */
    @BeforeAll
    static void requireNative() {
        NativeTestSupport.assumeLevel(SimdLevel.AVX2);
    }

    @Override
    protected Backend candidate() {
        return NativeCpuBackend.create(SimdLevel.AVX2, NativeCpuBackend.poolSize());
    }
}
