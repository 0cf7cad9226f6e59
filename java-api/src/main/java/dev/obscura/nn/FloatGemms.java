package dev.obscura.nn;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Finds {@link FloatGemm} implementations through {@link ServiceLoader} and picks the one a {@link PlainEngine} uses:
 * the highest-ranked available provider (OpenBLAS where {@code obscura-native} is on the class path and loads, else
 * the pure-Java GEMM), unless the system property {@value #PROPERTY} or the environment variable
 * {@value #ENVIRONMENT} names one. A GEMM asked for by name that cannot run here is an error, never a silent
 * fallback; automatic discovery skips unavailable providers with one log line saying why.
 *
 * <p>Thread-safe.
 */
public final class FloatGemms {
    /** System property naming the GEMM to use. */
    public static final String PROPERTY = "obscura.gemm";
    /** Environment variable naming the GEMM to use. */
    public static final String ENVIRONMENT = "OBSCURA_GEMM";

    private static final System.Logger LOG = System.getLogger(FloatGemms.class.getName());

    private FloatGemms() {
    }

    /** Every registered provider, highest rank first, available or not. */
    public static List<FloatGemmProvider> providers() {
        final List<FloatGemmProvider> list = new ArrayList<>();
        ServiceLoader.load(FloatGemmProvider.class, FloatGemms.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(FloatGemmProvider::rank).reversed());
        return list;
    }

    /**
     * A GEMM from the provider named {@code name}.
     *
     * @throws IllegalArgumentException when no provider has that name, or it cannot run here (with the reason)
     */
    public static FloatGemm create(final String name) {
        final String key = name.trim().toLowerCase(Locale.ROOT);
        final List<String> known = new ArrayList<>();
        for (final FloatGemmProvider p : providers()) {
            known.add(p.name());
            if (p.name().equals(key)) {
                final Optional<String> reason = p.unavailableReason();
                if (reason.isPresent()) {
                    throw new IllegalArgumentException("GEMM " + key + " is not available here: " + reason.get());
                }
                return p.create();
            }
        }
        throw new IllegalArgumentException("unknown GEMM " + key + ", known GEMMs=" + known);
    }

    /** A GEMM from the provider the property or environment names, else from the best available one. */
    public static FloatGemm create() {
        final String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return create(property);
        }
        final String env = System.getenv(ENVIRONMENT);
        if (env != null && !env.isBlank()) {
            return create(env);
        }
        for (final FloatGemmProvider p : providers()) {
            final Optional<String> reason = p.unavailableReason();
            if (reason.isEmpty()) {
                return p.create();
            }
            LOG.log(Level.DEBUG, "Obscura GEMM {0} unavailable, trying the next one: {1}", p.name(), reason.get());
        }
        // The Java provider is registered by this module; reaching here means the class path lost its services file.
        return new JavaFloatGemm();
    }
}
