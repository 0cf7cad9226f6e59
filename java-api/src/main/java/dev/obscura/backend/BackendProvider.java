package dev.obscura.backend;

import java.util.Optional;

/**
 * Service-provider interface through which backends are found at run time ({@link java.util.ServiceLoader}); a
 * module registers its provider in {@code META-INF/services/dev.obscura.backend.BackendProvider}.
 *
 * <p>To add a backend: implement {@link Backend}, implement this interface, register it, and rerun the conformance
 * suite ({@code BackendConformanceTest} in the {@code obscura-api} test-jar) against it.
 */
public interface BackendProvider {

    /** The backend's selection name, for example {@code "native-cpu"}. */
    String name();

    /** Preference among available backends, higher first: CUDA 300, native CPU 200, Java 100. */
    int rank();

    /**
     * Empty when the backend can run here; otherwise why not (no library for this OS, no GPU, a failed load), in
     * one line fit for a log message.
     */
    Optional<String> unavailableReason();

    /** Creates the backend; only called when {@link #unavailableReason()} is empty. Called once per process. */
    Backend create();
}
