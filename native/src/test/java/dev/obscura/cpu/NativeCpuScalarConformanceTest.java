package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/** The shared conformance suite at SIMD level scalar, skipped on a CPU without it. */
class NativeCpuScalarConformanceTest extends BackendConformanceTest {
    /** Skips (or fails, when required) the whole class before the suite's own set-up runs. */
    @BeforeAll
    static void requireNative() {
        NativeTestSupport.assumeLevel(SimdLevel.SCALAR);
    }

    @Override
    protected Backend candidate() {
        return NativeCpuBackend.create(SimdLevel.SCALAR, NativeCpuBackend.poolSize());
    }
}
