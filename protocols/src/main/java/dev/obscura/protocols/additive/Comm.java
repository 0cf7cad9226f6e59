package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Session;
import dev.obscura.ring.RingTensor;

/**
 * Openings: every party sends its shares to its peers and adds up what it receives. Several values opened together
 * travel in one frame per peer and cost one round, which is how the Beaver and comparison protocols keep their round
 * counts down.
 */
final class Comm {
    private final Session session;
    private final Backend be;

    Comm(final Session session) {
        this.session = session;
        this.be = session.backend();
    }

    /**
     * Opens every share in {@code shares} to all parties in one round: returns new tensors with the sums. Each party
     * sends {@code (parties - 1) * sum(numel) * 8} bytes.
     */
    RingTensor[] openAll(final RingTensor... shares) {
        final int self = session.partyId();
        final int n = session.parties();
        for (int peer = 0; peer < n; peer++) {
            if (peer != self) {
                session.transport().send(peer, shares);
            }
        }
        final RingTensor[] opened = new RingTensor[shares.length];
        final RingTensor[] incoming = new RingTensor[shares.length];
        // Both are overwritten whole before they are read (a receive fills every element or fails; an add writes
        // every element), so neither needs a zeroing pass.
        for (int i = 0; i < shares.length; i++) {
            opened[i] = shares[i].uninitializedLike();
            incoming[i] = shares[i].uninitializedLike();
        }
        try {
            // The first peer's shares are added to our own straight into the result: no separate copy pass.
            boolean first = true;
            for (int peer = 0; peer < n; peer++) {
                if (peer != self) {
                    session.transport().receive(peer, incoming);
                    for (int i = 0; i < shares.length; i++) {
                        be.add(first ? shares[i] : opened[i], incoming[i], opened[i]);
                    }
                    first = false;
                }
            }
        } finally {
            for (final RingTensor t : incoming) {
                t.close();
            }
        }
        session.stats().round();
        return opened;
    }

    /** Opens one share to all parties in one round. */
    RingTensor open(final RingTensor share) {
        return openAll(share)[0];
    }

    /**
     * Opens {@code share} to {@code receiver} only, in one round: the receiver gets the sum, the others {@code null}.
     */
    RingTensor openTo(final int receiver, final RingTensor share) {
        final int self = session.partyId();
        session.stats().round();
        if (self != receiver) {
            session.transport().send(receiver, share);
            return null;
        }
        final RingTensor opened = RingTensor.copyOf(share);
        try (RingTensor incoming = share.uninitializedLike()) {
            for (int peer = 0; peer < session.parties(); peer++) {
                if (peer != self) {
                    session.transport().receive(peer, incoming);
                    be.add(opened, incoming, opened);
                }
            }
        }
        return opened;
    }
}
