package dev.obscura.protocols.dealer;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * One kind of correlated randomness: the name a request carries on the wire and how the dealer rebuilds the request
 * from its integer parameters. Each {@link Correlation} class declares its kind as a constant (for example
 * {@link TripleCorrelation#KIND}); a {@link CorrelationCatalogue} lists the kinds a dealer serves.
 *
 * @param name    the wire name, 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8 (for example {@code "beaver"})
 * @param decoder rebuilds a request from its {@link Correlation#params()}, throwing
 *                {@link IllegalArgumentException} for parameters that describe no valid request
 * @param <C>     the correlation class
 */
public record CorrelationKind<C extends Correlation<?>>(String name, Function<int[], C> decoder) {
    /** The longest wire name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 64;

    /** Validates the name. */
    public CorrelationKind {
        Objects.requireNonNull(decoder, "decoder");
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("a correlation kind needs a name of 1 to " + MAX_NAME_BYTES
                + " bytes, bytes=" + bytes);
        }
    }

    /** The request of this kind with {@code params}. */
    public C decode(final int[] params) {
        return decoder.apply(params);
    }

    @Override
    public String toString() {
        return name;
    }
}
