package dev.obscura.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds backends through {@link java.util.ServiceLoader} and picks the default one: the highest-ranked available
 * provider
 * (CUDA, then native CPU, then Java), unless overridden.
 *
 * <p>Overrides, strongest first: {@link #setDefault(String)} (the API), the system property
 * {@value #PROPERTY}, the environment variable {@value #ENVIRONMENT}. A backend asked for by name that cannot run
 * here is an error, never a silent fallback; automatic discovery skips unavailable backends with one log line
 * saying why.
 *
 * <p>Thread-safe. Each backend is created once per process and shared.
 */
public final class Backends {
    /** System property naming the backend to use. */
    public static final String PROPERTY = "obscura.backend";
    /** Environment variable naming the backend to use. */
    public static final String ENVIRONMENT = "OBSCURA_BACKEND";

    private static final ProviderDiscovery<BackendProvider> DISCOVERY = new ProviderDiscovery<>(
        BackendProvider.class, "backend", PROPERTY, ENVIRONMENT, BackendProvider::name, BackendProvider::rank,
        BackendProvider::unavailableReason);
    private static final Map<String, Backend> CREATED = new ConcurrentHashMap<>();
    private static volatile String apiChoice;
    private static volatile Backend defaultBackend;

    private Backends() {
    }

    /** Every registered provider, highest rank first, available or not. */
    public static List<BackendProvider> providers() {
        return DISCOVERY.providers();
    }

    /** Names of the backends that can run here, highest rank first. */
    public static List<String> availableNames() {
        final List<String> names = new ArrayList<>();
        for (final BackendProvider p : providers()) {
            if (p.unavailableReason().isEmpty()) {
                names.add(p.name());
            }
        }
        return names;
    }

    /**
     * The backend named {@code name}.
     *
     * @throws IllegalArgumentException when no provider has that name, or it cannot run here (with the reason)
     */
    public static Backend byName(final String name) {
        final String key = ProviderDiscovery.key(name);
        final Backend existing = CREATED.get(key);
        if (existing != null) {
            return existing;
        }
        final BackendProvider provider = DISCOVERY.byName(key);
        return CREATED.computeIfAbsent(key, k -> provider.create());
    }

    /** Sets the process-wide default by name (the API override); {@code null} returns to discovery. */
    public static void setDefault(final String name) {
        if (name != null) {
            byName(name);
        }
        apiChoice = name;
        defaultBackend = null;
    }

    /** The default backend: the override if one is set, else the best available. */
    public static Backend defaultBackend() {
        Backend b = defaultBackend;
        if (b == null) {
            synchronized (Backends.class) {
                b = defaultBackend;
                if (b == null) {
                    b = discover();
                    defaultBackend = b;
                }
            }
        }
        return b;
    }

    /** Chooses without caching: API override, then property, then environment, then the best available. */
    public static Backend discover() {
        if (apiChoice != null) {
            return byName(apiChoice);
        }
        return byName(DISCOVERY.choose().map(BackendProvider::name).orElseThrow(() -> new IllegalStateException(
            "no Obscura backend is available; obscura-api registers the java backend, so check that it is on the"
                + " class path")));
    }
}
