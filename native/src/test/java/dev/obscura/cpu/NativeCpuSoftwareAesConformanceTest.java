package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared conformance suite with the portable software AES forced, the path a CPU without AES-NI takes, so that
 * it is checked on every CPU.
 */
class NativeCpuSoftwareAesConformanceTest extends BackendConformanceTest {
    /** Skips (or fails, when required) the whole class before the suite's own set-up runs. */
    @BeforeAll
    static void requireNative() {
        NativeTestSupport.assumeLoaded();
    }

    @Override
    protected Backend candidate() {
        return NativeCpuBackend.create(SimdLevel.SCALAR, GemmPath.SCALAR, 1, true);
    }
}
