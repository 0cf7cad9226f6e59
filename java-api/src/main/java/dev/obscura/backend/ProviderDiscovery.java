package dev.obscura.backend;

import dev.obscura.text.UntrustedText;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The one discovery routine behind {@link Backends} and {@link FloatGemms}, after DJL's {@code Engine}: providers
 * are found through {@link ServiceLoader}, ranked, and chosen by name (the system property, then the environment
 * variable) or else as the highest-ranked one that can run here. A provider asked for by name that cannot run here
 * is an error, never a silent fallback; automatic choice skips unavailable providers with one log line saying why.
 *
 * <p>Thread-safe and stateless: every call reads the class path, the property and the environment afresh.
 *
 * @param <P> the provider type
 */
final class ProviderDiscovery<P> {
    private static final System.Logger LOG = System.getLogger(ProviderDiscovery.class.getName());

    private final Class<P> type;
    private final String what;
    private final String property;
    private final String environment;
    private final Function<P, String> name;
    private final ToIntFunction<P> rank;
    private final Function<P, Optional<String>> unavailableReason;

    /**
     * Discovery of {@code type}, called {@code what} in messages ("backend", "GEMM"), overridable by
     * {@code property} and {@code environment}; the three functions read a provider's name, rank and reason.
     */
    ProviderDiscovery(final Class<P> type, final String what, final String property, final String environment,
                      final Function<P, String> name, final ToIntFunction<P> rank,
                      final Function<P, Optional<String>> unavailableReason) {
        this.type = type;
        this.what = what;
        this.property = property;
        this.environment = environment;
        this.name = name;
        this.rank = rank;
        this.unavailableReason = unavailableReason;
    }

    /** Every registered provider, highest rank first, available or not. */
    List<P> providers() {
        final List<P> list = new ArrayList<>();
        ServiceLoader.load(type, type.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(rank).reversed());
        return list;
    }

    /** The provider's selection key: trimmed and lower case. */
    static String key(final String requested) {
        return requested.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The provider named {@code requested}.
     *
     * @throws IllegalArgumentException when no provider has that name, or it cannot run here (with the reason)
     */
    P byName(final String requested) {
        final String key = key(requested);
        final List<String> known = new ArrayList<>();
        for (final P p : providers()) {
            known.add(name.apply(p));
            if (name.apply(p).equals(key)) {
                final Optional<String> reason = unavailableReason.apply(p);
                if (reason.isPresent()) {
                    throw new IllegalArgumentException(what + " " + key + " is not available here: "
                        + reason.get());
                }
                return p;
            }
        }
        // The name comes from a property, the environment or a command line: quoted, never echoed raw.
        throw new IllegalArgumentException("unknown " + what + " " + UntrustedText.quote(key) + ", known " + what
            + "s=" + known);
    }

    /** The name the system property, else the environment variable, asks for; empty when neither is set. */
    Optional<String> requestedName() {
        final String fromProperty = System.getProperty(property);
        if (fromProperty != null && !fromProperty.isBlank()) {
            return Optional.of(fromProperty);
        }
        final String fromEnvironment = System.getenv(environment);
        return fromEnvironment != null && !fromEnvironment.isBlank() ? Optional.of(fromEnvironment) : Optional.empty();
    }

    /** The requested provider if one is named, else the highest-ranked available one; empty when none can run. */
    Optional<P> choose() {
        final Optional<String> requested = requestedName();
        if (requested.isPresent()) {
            return Optional.of(byName(requested.get()));
        }
        for (final P p : providers()) {
            final Optional<String> reason = unavailableReason.apply(p);
            if (reason.isEmpty()) {
                return Optional.of(p);
            }
            LOG.log(Level.INFO, "Obscura {0} {1} unavailable, trying the next one: {2}", what, name.apply(p),
                reason.get());
        }
        return Optional.empty();
    }
}
