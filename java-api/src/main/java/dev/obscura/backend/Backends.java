package dev.obscura.backend;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds backends through {@link ServiceLoader} and picks the default one: the highest-ranked available provider
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

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());
    private static final Map<String, Backend> CREATED = new ConcurrentHashMap<>();
    private static volatile String apiChoice;
    private static volatile Backend defaultBackend;

    private Backends() {
    }

    /** Every registered provider, highest rank first, available or not. */
    public static List<BackendProvider> providers() {
        final List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        return list;
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
        final String key = name.trim().toLowerCase(Locale.ROOT);
        final Backend existing = CREATED.get(key);
        if (existing != null) {
            return existing;
        }
        final List<String> known = new ArrayList<>();
        for (final BackendProvider p : providers()) {
            known.add(p.name());
            if (p.name().equals(key)) {
                final Optional<String> reason = p.unavailableReason();
                if (reason.isPresent()) {
                    throw new IllegalArgumentException(
                        "backend " + key + " is not available here: " + reason.get());
                }
                return CREATED.computeIfAbsent(key, k -> p.create());
            }
        }
        throw new IllegalArgumentException("unknown backend " + key + ", known backends=" + known);
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
        final String requested = requestedName();
        if (requested != null) {
            return byName(requested);
        }
        for (final BackendProvider p : providers()) {
            final Optional<String> reason = p.unavailableReason();
            if (reason.isEmpty()) {
                return byName(p.name());
            }
            LOG.log(Level.INFO, "Obscura backend {0} unavailable, trying the next one: {1}", p.name(), reason.get());
        }
        throw new IllegalStateException("no Obscura backend is available; obscura-api registers the java backend,"
            + " so check that it is on the class path");
    }

    private static String requestedName() {
        if (apiChoice != null) {
            return apiChoice;
        }
        final String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return property;
        }
        final String env = System.getenv(ENVIRONMENT);
        return env != null && !env.isBlank() ? env : null;
    }
}
