package dev.obscura.nn.engine;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import java.util.Objects;

/**
 * Who learns a tensor's values when a program opens it: every party ({@link #toAll}), one party
 * ({@link #toParty}), or nobody ({@link #none}, which opens nothing). The training and inference loops
 * ({@code dev.obscura.nn.train}) and {@code ModelBinding.capture} are written once over it, so the same loop opens
 * logits to the data owner in a secure run and simply reads them in plaintext.
 *
 * <p>SPMD: every party calls {@link #open} on the same tensors in the same order (the opening is collective); the
 * parties that do not learn the values get {@code null}.
 *
 * @param <T> the engine's tensor type
 */
@FunctionalInterface
public interface Reveal<T> {

    /**
     * The values of {@code t}, row-major, at the parties that learn them; {@code null} at every other party (and at
     * every party for {@link #none}).
     */
    double[] open(T t);

    /**
     * Opens to every party through {@link TensorEngine#toFloats} (free for {@link PlainEngine}; one round, and a
     * reveal to every party, for {@link SecureEngine}).
     */
    static <T> Reveal<T> toAll(final TensorEngine<T> engine) {
        Objects.requireNonNull(engine, "engine");
        return t -> {
            final float[] values = engine.toFloats(t);
            final double[] out = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i];
            }
            return out;
        };
    }

    /** Opens to {@code party} only ({@link SecureOps#revealTo}): one round; {@code null} at every other party. */
    static Reveal<SecretTensor> toParty(final SecureOps ops, final int party) {
        Objects.requireNonNull(ops, "ops");
        return t -> ops.revealTo(party, t);
    }

    /** Opens nothing and costs nothing: {@link #open} returns {@code null} everywhere. */
    static <T> Reveal<T> none() {
        return t -> null;
    }
}
