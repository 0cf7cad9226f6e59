package dev.obscura.protocols.clear;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Bilinear;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.ring.RingTensor;

/**
 * The clear suite's primitives: a party's "share" of a value is the value itself. The local linear operations are
 * the interface's defaults (each party maps its copy), and so are {@code nonNegative} and {@code relu}; what is
 * left is the whole of a suite:
 * <ul>
 *   <li>input: the owner sends its value to every other party, one round;</li>
 *   <li>open, open to one party: every party already holds the value, so a copy (or {@code null} for the parties
 *       that are not told);</li>
 *   <li>a public constant is added by every party;</li>
 *   <li>products, truncation ({@code x >> bits}, the floor) and the sign are computed on the value.</li>
 * </ul>
 */
final class ClearPrimitives implements SecurePrimitives {
    private final Session session;
    private final Backend be;

    ClearPrimitives(final Session session) {
        this.session = session;
        this.be = session.backend();
    }

    @Override
    public Session session() {
        return session;
    }

    /** The owner sends its value to every other party, which receives it: one round. */
    @Override
    public RingTensor input(final int owner, final RingTensor value, final int... shape) {
        final RingTensor mine = RingTensor.zeros(shape);
        try {
            if (session.partyId() == owner) {
                be.copy(value, mine);
                for (int peer = 0; peer < session.parties(); peer++) {
                    if (peer != owner) {
                        session.transport().send(peer, mine);
                    }
                }
            } else {
                session.transport().receive(owner, mine);
            }
        } catch (RuntimeException e) {
            mine.close();
            throw e;
        }
        session.stats().round();
        return mine;
    }

    @Override
    public RingTensor open(final RingTensor value) {
        return RingTensor.copyOf(value);
    }

    @Override
    public RingTensor openTo(final int party, final RingTensor value) {
        return session.partyId() == party ? RingTensor.copyOf(value) : null;
    }

    /** Every party holds the value, so every party adds the constant. */
    @Override
    public RingTensor addPublic(final RingTensor x, final RingTensor p) {
        return add(x, p);
    }

    @Override
    public RingTensor multiply(final Bilinear op, final RingTensor x, final RingTensor y) {
        final RingTensor out = RingTensor.zeros(op.shapeZ());
        op.apply(be, x, y, out);
        return out;
    }

    /** {@code x >> bits}, arithmetic: the floor, exact for every value. */
    @Override
    public RingTensor truncate(final RingTensor x, final int bits) {
        final RingTensor out = x.zerosLike();
        be.shiftRight(x, bits, out);
        return out;
    }

    /** The sign bit, {@code x >>> 63}. */
    @Override
    public RingTensor lessThanZero(final RingTensor x) {
        final RingTensor out = x.zerosLike();
        be.shiftRightLogical(x, 63, out);
        return out;
    }
}
