package dev.obscura.protocols.dealer;

import java.util.Arrays;

/**
 * A request for correlated randomness that the dealer hands out (a Beaver triple of some shape, a truncation pair,
 * comparison material, ...), described by its {@link CorrelationKind} and integer parameters so that it can be sent
 * to the dealer and reproduced there.
 *
 * <p>To add a primitive's correlation: implement this interface with a {@link #generate} recipe written against
 * {@link Source} (it runs unchanged at the parties and at the dealer), declare its {@link CorrelationKind} as a
 * constant, and give the suite a {@link CorrelationCatalogue} that includes it. Nothing else changes.
 *
 * @param <M> the material a party receives (its shares)
 */
public interface Correlation<M extends AutoCloseable> {

    /** The kind of this request, for example {@link TripleCorrelation#KIND}. */
    CorrelationKind<?> kind();

    /** Parameters that, with {@link #kind()}, reproduce this correlation at the dealer. */
    int[] params();

    /** Draws the material from {@code source}: shares at a party, whole values at the dealer. */
    M generate(Source source);

    /** Whether two correlations describe the same request. */
    static boolean same(final Correlation<?> a, final Correlation<?> b) {
        return a.kind().name().equals(b.kind().name()) && Arrays.equals(a.params(), b.params());
    }
}
