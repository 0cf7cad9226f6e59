package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import dev.obscura.random.SeedSource;
import dev.obscura.ring.FixedPoint;

/**
 * One party's view of a secure computation: its id, the number of parties and of the suite's helper endpoints, its
 * transport, its PRGs, the backend that does its arithmetic, the fixed-point settings and its counters. Parties run
 * SPMD: each runs the same program on its own session.
 *
 * <p>Endpoints are numbered parties first, {@code 0 .. parties()-1}, then the suite's helper roles
 * ({@link ProtocolSuite#helperRoles()}), {@code parties() .. parties() + helpers() - 1}.
 *
 * <p>{@link #establish} agrees a fresh PRG seed with every other party (the lower id draws it from its
 * {@link SeedSource}, {@link java.security.SecureRandom} unless a test asked for derived seeds, and sends it), so that
 * a party can share an input without sending anything: every other party draws its share from the seed it holds with
 * the owner, and the owner keeps the difference.
 *
 * <p>Not thread-safe: a session belongs to its party's thread.
 */
public final class Session implements AutoCloseable {
    /** PRG stream ids under a pairwise seed; one stream per purpose keeps the purposes independent. */
    private static final long PAIRWISE_STREAM = 1;

    private final Transport transport;
    private final int helpers;
    private final Backend backend;
    private final FixedPoint fixedPoint;
    private final CommStats stats;
    private final Prg privatePrg;
    private final Prg[] pairwise;

    private Session(final Transport transport, final int helpers, final Backend backend, final FixedPoint fixedPoint,
                    final Prg[] pairwise, final Seed privateSeed) {
        this.transport = transport;
        this.helpers = helpers;
        this.backend = backend;
        this.fixedPoint = fixedPoint;
        this.stats = new CommStats(transport, helpers);
        this.privatePrg = new Prg(privateSeed, 0, backend);
        this.pairwise = pairwise;
    }

    /**
     * Creates this party's session in a network with {@code helpers} helper endpoints after the parties (the size of
     * the suite's {@link ProtocolSuite#helperRoles()}), and agrees a pairwise seed with every other party (one round
     * of {@code Seed.BYTES} bytes per pair).
     */
    public static Session establish(final Transport transport, final Backend backend, final FixedPoint fixedPoint,
                                    final int helpers) {
        return establish(transport, backend, fixedPoint, helpers, SeedSource.secure());
    }

    /**
     * As {@link #establish(Transport, Backend, FixedPoint, int)}, drawing this party's seeds (its private PRG's and
     * the pairwise seeds it sends) from {@code seeds}: {@link SeedSource#secure()} in every real run; a derived
     * source only where a test or a reproducible run asked for it.
     */
    public static Session establish(final Transport transport, final Backend backend, final FixedPoint fixedPoint,
                                    final int helpers, final SeedSource seeds) {
        final int self = transport.self();
        final int n = transport.parties();
        if (self < 0 || self >= n) {
            throw new IllegalArgumentException("a session belongs to a computing party, self=" + self
                + ", parties=" + n);
        }
        if (helpers < 0) {
            throw new IllegalArgumentException("helpers must not be negative, helpers=" + helpers);
        }
        final Prg[] pairwise = new Prg[n];
        for (int peer = self + 1; peer < n; peer++) {
            final Seed seed = seeds.next();
            final int to = peer;
            Seed.send(seed, bytes -> transport.sendBytes(to, bytes));
            pairwise[peer] = new Prg(seed, PAIRWISE_STREAM, backend);
        }
        for (int peer = 0; peer < self; peer++) {
            pairwise[peer] = new Prg(Seed.consume(transport.receiveBytes(peer)), PAIRWISE_STREAM, backend);
        }
        return new Session(transport, helpers, backend, fixedPoint, pairwise, seeds.next());
    }

    /** This party's id, {@code 0 .. parties()-1}. */
    public int partyId() {
        return transport.self();
    }

    /** Number of computing parties. */
    public int parties() {
        return transport.parties();
    }

    /** Number of helper endpoints of the suite (a dealer, say), numbered after the parties. */
    public int helpers() {
        return helpers;
    }

    /** The endpoint id of helper role {@code role} (its index in the suite's list): {@code parties() + role}. */
    public int helperId(final int role) {
        if (role < 0 || role >= helpers) {
            throw new IllegalArgumentException("no such helper role, role=" + role + ", helpers=" + helpers);
        }
        return parties() + role;
    }

    /** The transport to the other parties and the helper endpoints. */
    public Transport transport() {
        return transport;
    }

    /** The backend that does this party's arithmetic. */
    public Backend backend() {
        return backend;
    }

    /** The fixed-point encoding of this session. */
    public FixedPoint fixedPoint() {
        return fixedPoint;
    }

    /** This party's counters. */
    public CommStats stats() {
        return stats;
    }

    /** This party's own randomness (a fresh seed from its {@link SeedSource}). */
    public Prg privatePrg() {
        return privatePrg;
    }

    /** The PRG whose seed this party shares with {@code peer} (and nobody else). */
    public Prg pairwisePrg(final int peer) {
        if (peer == partyId() || peer < 0 || peer >= parties()) {
            throw new IllegalArgumentException("peer must be another party, peer=" + peer + ", self=" + partyId()
                + ", parties=" + parties());
        }
        return pairwise[peer];
    }

    /** Closes the transport and zeroes the keys of this party's generators. */
    @Override
    public void close() {
        transport.close();
        // The keys of this party's generators die with the session (see Seed: shortens their time in memory).
        privatePrg.destroy();
        for (final Prg p : pairwise) {
            if (p != null) {
                p.destroy();
            }
        }
    }

    @Override
    public String toString() {
        return "Session[party=" + partyId() + "/" + parties() + ", backend=" + backend.name() + ", fracBits="
            + fixedPoint.fracBits() + "]";
    }
}
