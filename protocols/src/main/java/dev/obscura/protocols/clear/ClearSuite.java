package dev.obscura.protocols.clear;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.ring.RingTensor;
import java.util.List;

/**
 * The clear suite, a debugging and reference suite with NO security: every party holds every value in the clear.
 * An input is sent by its owner to every other party (one round), and every other primitive is local arithmetic on
 * the value itself, so a program runs with the results, the shapes and the error bounds of a secure suite (the
 * fixed-point scales and the derived functions of {@link dev.obscura.mpc.SecureOps} are the same code) while its
 * values can be inspected at every party. No helper roles. Never use it for data that must stay private.
 *
 * <pre>{@code
 * LocalParties.builder().suite(new ClearSuite()).parties(2).build().run(ops -> ...);
 * }</pre>
 * Immutable.
 */
public final class ClearSuite implements ProtocolSuite {
    @Override
    public String name() {
        return "clear";
    }

    @Override
    public SecurePrimitives init(final Session session) {
        return new ClearPrimitives(session);
    }

    /**
     * Every party holds the value itself: a copy of party 0's.
     *
     * @throws IllegalStateException when the parties hold different values (a broken program or suite)
     */
    @Override
    public RingTensor reconstruct(final Backend backend, final List<RingTensor> shares) {
        final RingTensor value = shares.get(0);
        for (int p = 1; p < shares.size(); p++) {
            if (!value.contentEquals(shares.get(p))) {
                throw new IllegalStateException("the parties of the clear suite hold different values, party=" + p);
            }
        }
        return RingTensor.copyOf(value);
    }

    @Override
    public String toString() {
        return name();
    }
}
