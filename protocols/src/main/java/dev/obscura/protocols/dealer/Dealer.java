package dev.obscura.protocols.dealer;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import dev.obscura.random.SeedSource;
import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * The dealer (trusted crypto provider) of the additive suite: it sends each party one PRG seed, then serves the
 * requests that party 0 sends, one correlation at a time, until party 0 closes its connection. For every request it
 * runs the correlation's recipe on whole values and sends the last party the shares that make them add up; every
 * other share is derived by its party from the seed, so dealer traffic is the last party's corrections only. It
 * serves the kinds of its {@link CorrelationCatalogue}, which the suite hands it (and its parties' clients).
 *
 * <p>The dealer learns nothing about the parties' inputs: it only ever sees the requests' shapes.
 */
public final class Dealer implements Runnable {
    private static final System.Logger LOG = System.getLogger(Dealer.class.getName());

    private final Transport transport;
    private final Backend backend;
    private final CorrelationCatalogue catalogue;
    private final SeedSource seeds;

    /**
     * A dealer on {@code transport} (a helper endpoint: its id is not a party's), computing with {@code backend},
     * serving the kinds of {@code catalogue}, with seeds from {@link SeedSource#secure()}.
     */
    public Dealer(final Transport transport, final Backend backend, final CorrelationCatalogue catalogue) {
        this(transport, backend, catalogue, SeedSource.secure());
    }

    /** As {@link #Dealer(Transport, Backend, CorrelationCatalogue)}, drawing the parties' seeds from {@code seeds}. */
    public Dealer(final Transport transport, final Backend backend, final CorrelationCatalogue catalogue,
                  final SeedSource seeds) {
        if (transport.self() < transport.parties()) {
            throw new IllegalArgumentException("the dealer's endpoint must come after the parties, self="
                + transport.self() + ", parties=" + transport.parties());
        }
        this.transport = transport;
        this.backend = backend;
        this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
        this.seeds = Objects.requireNonNull(seeds, "seeds");
    }

    /**
     * Draws one seed per party from {@code seeds}, in party order, hands each to {@code deliver} (a frame online,
     * the party's preprocessing file ahead of time) and returns the dealer's copy of every party's PRG: the one place
     * where the dealer's seeds are made, so that an online run and files made from the same seeds agree bit for bit.
     */
    static Prg[] seedParties(final int parties, final SeedSource seeds, final Backend backend,
                             final java.util.function.ObjIntConsumer<Seed> deliver) {
        final Prg[] prgs = new Prg[parties];
        for (int p = 0; p < parties; p++) {
            final Seed seed = seeds.next();
            deliver.accept(seed, p);
            prgs[p] = new Prg(seed, DealerClient.DEALER_STREAM, backend);
        }
        return prgs;
    }

    @Override
    public void run() {
        final int parties = transport.parties();
        final Prg[] prgs = seedParties(parties, seeds, backend,
            (seed, p) -> Seed.send(seed, bytes -> transport.sendBytes(p, bytes)));
        try {
            serve(new DealerSource(backend, prgs, share -> transport.send(parties - 1, share)));
        } finally {
            // The parties' dealer keys die with the dealer's run (see Seed).
            destroy(prgs);
        }
    }

    /** Destroys the dealer's copies of the parties' PRGs (their keys). */
    static void destroy(final Prg[] prgs) {
        for (final Prg prg : prgs) {
            if (prg != null) {
                prg.destroy();
            }
        }
    }

    /** Serves party 0's requests, one correlation at a time, until the parties close the connection. */
    private void serve(final DealerSource source) {
        long served = 0;
        while (true) {
            final byte[] request;
            try {
                request = transport.receiveBytes(0);
            } catch (TransportException e) {
                if (e.reason() == TransportException.Reason.TIMEOUT) {
                    continue; // parties may compute locally for a long time between requests
                }
                if (e.reason() == TransportException.Reason.CLOSED) {
                    LOG.log(Level.DEBUG, "dealer done, requests served: {0}", served);
                    return;
                }
                throw e;
            }
            final Correlation<?> correlation;
            try {
                correlation = catalogue.decode(request);
            } catch (IllegalArgumentException e) {
                throw new TransportException(TransportException.Reason.PROTOCOL,
                    "dealer received a malformed request: " + e.getMessage(), e);
            }
            try (AutoCloseable ignored = correlation.generate(source)) {
                served++;
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("closing dealer material failed", e);
            }
        }
    }
}
