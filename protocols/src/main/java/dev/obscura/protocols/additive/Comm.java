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
        // The first peer's frame is received straight into the result and our own shares are added in place; only
        // a third party's frame needs a buffer of its own. Every element of the result is written by the receive
        // (which fills every element or fails), so it needs no zeroing pass.
        final RingTensor[] opened = new RingTensor[shares.length];
        RingTensor[] incoming = null;
        try {
            for (int i = 0; i < shares.length; i++) {
                opened[i] = shares[i].uninitializedLike();
            }
            boolean first = true;
            for (int peer = 0; peer < n; peer++) {
                if (peer == self) {
                    continue;
                }
                if (first) {
                    session.transport().receive(peer, opened);
                    for (int i = 0; i < shares.length; i++) {
                        be.add(opened[i], shares[i], opened[i]);
                    }
                    first = false;
                } else {
                    if (incoming == null) {
                        incoming = new RingTensor[shares.length];
                        for (int i = 0; i < shares.length; i++) {
                            incoming[i] = shares[i].uninitializedLike();
                        }
                    }
                    session.transport().receive(peer, incoming);
                    for (int i = 0; i < shares.length; i++) {
                        be.add(opened[i], incoming[i], opened[i]);
                    }
                }
            }
        } catch (final RuntimeException | Error e) {
            closeAll(opened);
            throw e;
        } finally {
            if (incoming != null) {
                closeAll(incoming);
            }
        }
        session.stats().round();
        return opened;
    }

    private static void closeAll(final RingTensor[] tensors) {
        for (final RingTensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
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
        // As in openAll: the first peer's frame straight into the result, our share added in place (no copy pass).
        final RingTensor opened = share.uninitializedLike();
        RingTensor incoming = null;
        try {
            boolean first = true;
            for (int peer = 0; peer < session.parties(); peer++) {
                if (peer == self) {
                    continue;
                }
                if (first) {
                    session.transport().receive(peer, opened);
                    be.add(opened, share, opened);
                    first = false;
                } else {
                    if (incoming == null) {
                        incoming = share.uninitializedLike();
                    }
                    session.transport().receive(peer, incoming);
                    be.add(opened, incoming, opened);
                }
            }
        } catch (final RuntimeException | Error e) {
            opened.close();
            throw e;
        } finally {
            if (incoming != null) {
                incoming.close();
            }
        }
        return opened;
    }
}
