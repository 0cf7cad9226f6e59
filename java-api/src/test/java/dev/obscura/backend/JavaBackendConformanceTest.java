package dev.obscura.backend;

/**
 * The reference against itself: checks that the suite runs, that its inputs are valid and that the reference is
 * deterministic.
 */
final class JavaBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend candidate() {
        return new JavaBackend();
    }
}
