package dev.obscura.backend;

import java.util.Optional;

/**
 * Registers the {@link JavaBackend} reference ({@value JavaBackend#NAME}, rank 100): always available, so discovery
 * always finds at least this backend.
 */
public final class JavaBackendProvider implements BackendProvider {
    /** Below the native CPU (200) and CUDA (300) backends. */
    public static final int RANK = 100;

    /** Public no-argument constructor, as {@link java.util.ServiceLoader} requires. */
    public JavaBackendProvider() {
    }

    @Override
    public String name() {
        return JavaBackend.NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Backend create() {
        return new JavaBackend();
    }
}
