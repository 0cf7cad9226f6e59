package dev.obscura.protocols.clear;

import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;

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

    @Override
    public String toString() {
        return name();
    }
}
