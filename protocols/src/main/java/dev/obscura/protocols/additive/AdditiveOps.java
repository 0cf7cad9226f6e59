package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Bilinear;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.dealer.CorrelationPlan;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.Optional;

/**
 * One party's primitives in the semi-honest additive suite with a dealer: values are additive shares over Z_2^64
 * (the secret is the sum of every party's share), products use Beaver triples ({@link Beaver}), truncation and
 * comparison use dealer masks ({@link Truncation}, {@link Comparison}). The local linear operations are the
 * interface's defaults (each party maps its own share); only a public constant needs care: party 0 adds it.
 */
final class AdditiveOps implements SecurePrimitives {
    private final Session session;
    private final Backend be;
    private final Comm comm;
    private final Beaver beaver;
    private final Truncation truncation;
    private final Comparison comparison;
    private final Preprocessing preprocessing;

    AdditiveOps(final Session session, final DealerClient dealer) {
        this.session = session;
        this.be = session.backend();
        this.comm = new Comm(session);
        this.beaver = new Beaver(session, dealer, comm);
        this.truncation = new Truncation(session, dealer, comm);
        this.comparison = new Comparison(session, dealer, comm);
        this.preprocessing = new DealerPreprocessing(dealer);
    }

    @Override
    public Session session() {
        return session;
    }

    @Override
    public Optional<Preprocessing> preprocessing() {
        return Optional.of(preprocessing);
    }

    /**
     * Additive sharing without communication: every other party's share is drawn from the PRG it shares with the
     * owner; the owner keeps {@code x - sum of those}.
     */
    @Override
    public RingTensor input(final int owner, final RingTensor x, final int... shape) {
        final int self = session.partyId();
        final RingTensor mine = RingTensor.zeros(shape);
        if (self != owner) {
            session.pairwisePrg(owner).fill(mine);
            return mine;
        }
        be.copy(x, mine);
        try (RingTensor other = RingTensor.zeros(shape)) {
            for (int peer = 0; peer < session.parties(); peer++) {
                if (peer != owner) {
                    session.pairwisePrg(peer).fill(other);
                    be.sub(mine, other, mine);
                }
            }
        }
        return mine;
    }

    @Override
    public RingTensor open(final RingTensor share) {
        return comm.open(share);
    }

    @Override
    public RingTensor openTo(final int party, final RingTensor share) {
        return comm.openTo(party, share);
    }

    /** Party 0 adds {@code p}; every party broadcasts its share to the result's shape. */
    @Override
    public RingTensor addPublic(final RingTensor x, final RingTensor p) {
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(x.shape(), p.shape()));
        if (session.partyId() == 0) {
            be.add(x, p, out);
        } else {
            // Broadcast the share to the output shape: adding a zero public tensor does exactly that.
            try (RingTensor zero = p.zerosLike()) {
                be.add(x, zero, out);
            }
        }
        return out;
    }

    @Override
    public RingTensor multiply(final Bilinear op, final RingTensor x, final RingTensor y) {
        return beaver.multiply(op, x, y);
    }

    @Override
    public RingTensor truncate(final RingTensor x, final int bits) {
        return truncation.truncate(x, bits);
    }

    @Override
    public RingTensor lessThanZero(final RingTensor x) {
        return comparison.lessThanZero(x);
    }

    /** The complement of the sign bit, in the same pass as the sign: no extra operation. */
    @Override
    public RingTensor nonNegative(final RingTensor x) {
        return comparison.nonNegative(x);
    }

    /** The fused ReLU of {@link Comparison}: the comparison's rounds only, no separate multiplication. */
    @Override
    public RingTensor relu(final RingTensor x) {
        return comparison.relu(x);
    }

    /** The dealer client's prefetching, seen through the suite-independent {@link Preprocessing} interface. */
    private record DealerPreprocessing(DealerClient dealer) implements Preprocessing {
        @Override
        public void startRecording() {
            dealer.startRecording();
        }

        @Override
        public Plan stopRecording() {
            return dealer.stopRecordingPlan();
        }

        @Override
        public void prefetch(final Plan plan) {
            if (!(plan instanceof CorrelationPlan recorded)) {
                throw new IllegalArgumentException("plan was not recorded by this suite: " + plan);
            }
            dealer.prefetch(recorded.requests());
        }

        @Override
        public int pending() {
            return dealer.prefetchedCount();
        }

        @Override
        public Filler fillInBackground(final Plan plan, final int depth) {
            if (!(plan instanceof CorrelationPlan recorded)) {
                throw new IllegalArgumentException("plan was not recorded by this suite: " + plan);
            }
            return dealer.fillInBackground(recorded.requests(), depth);
        }
    }
}
