package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/** The shared conformance suite against the backend that the settings select (the default dispatch). */
class NativeCpuConformanceTest extends BackendConformanceTest {
    /** Skips (or fails, when required) the whole class before the suite's own set-up runs. */
    @BeforeAll
    static void requireNative() {
        NativeTestSupport.assumeLoaded();
    }

    @Override
    protected Backend candidate() {
        return NativeCpuBackend.create();
    }
}
