package dev.obscura.protocols.dealer;

import dev.obscura.mpc.CommStats;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.TransportException;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A party's connection to the dealer: it asks for correlated randomness and hands out this party's shares of it.
 *
 * <p>Online mode: {@link #take} asks the dealer (party 0 sends the request; parties other than the last derive their
 * shares from the seed the dealer sent once; the last party receives its corrections) and returns at once.
 * Offline/online mode: {@link #prefetch} obtains a whole list of correlations ahead of time (for example the list
 * that {@link #startRecording()} / {@link #stopRecording()} captured on a dry run), after which {@link #take} is
 * served from memory with no dealer traffic, so online and total time can be measured apart. A take that does not
 * match the next prefetched correlation fails clearly: the program diverged from the one that was recorded.
 *
 * <p>All time spent here is counted as offline time in the session's {@link CommStats}.
 */
public final class DealerClient {
    /** PRG stream id of dealer-seeded material. */
    static final long DEALER_STREAM = 2;

    private final Session session;
    private final int dealerId;
    private final CorrelationCatalogue catalogue;
    private final PartySource source;
    private final ArrayDeque<Prefetched> prefetched = new ArrayDeque<>();
    private List<Correlation<?>> recording;

    private record Prefetched(Correlation<?> request, AutoCloseable material) {
    }

    private DealerClient(final Session session, final int dealerId, final CorrelationCatalogue catalogue,
                         final Prg dealerPrg) {
        this.session = session;
        this.dealerId = dealerId;
        this.catalogue = catalogue;
        this.source = new PartySource(session.backend(), dealerPrg, session.transport(), dealerId);
    }

    /**
     * Connects to the dealer at endpoint {@code dealerId}, which serves the kinds of {@code catalogue}: receives this
     * party's seed (one frame, {@link Seed#BYTES} bytes).
     */
    public static DealerClient connect(final Session session, final int dealerId,
                                       final CorrelationCatalogue catalogue) {
        Objects.requireNonNull(catalogue, "catalogue");
        try (CommStats.Offline ignored = session.stats().offline()) {
            final byte[] seed = session.transport().receiveBytes(dealerId);
            if (seed.length != Seed.BYTES) {
                throw new TransportException(TransportException.Reason.PROTOCOL,
                    "dealer seed frame has the wrong size, bytes=" + seed.length + ", expected=" + Seed.BYTES);
            }
            return new DealerClient(session, dealerId, catalogue,
                new Prg(Seed.consume(seed), DEALER_STREAM, session.backend()));
        }
    }

    /** This party's shares of {@code request}: prefetched if available, else from the dealer now. */
    @SuppressWarnings("unchecked")
    public <M extends AutoCloseable> M take(final Correlation<M> request) {
        if (!prefetched.isEmpty()) {
            final Prefetched next = prefetched.poll();
            if (!Correlation.same(next.request(), request)) {
                throw new IllegalStateException("the computation asked for " + request.kind()
                    + " material that does not match the next prefetched request (" + next.request().kind()
                    + "): it differs from the recorded run; prefetched=" + (prefetched.size() + 1));
            }
            return (M) next.material();
        }
        return fetch(request);
    }

    /** Obtains every correlation in {@code requests} now, in order, for later {@link #take} calls. */
    public void prefetch(final List<Correlation<?>> requests) {
        for (final Correlation<?> r : requests) {
            prefetched.add(new Prefetched(r, fetch(r)));
        }
    }

    /** Number of prefetched correlations not yet taken. */
    public int prefetchedCount() {
        return prefetched.size();
    }

    /** Starts recording the correlations requested from now on (for a later {@link #prefetch}). */
    public void startRecording() {
        recording = new ArrayList<>();
    }

    /** Stops recording and returns the requests, in order. */
    public List<Correlation<?>> stopRecording() {
        final List<Correlation<?>> out = recording == null ? List.of() : recording;
        recording = null;
        return out;
    }

    private <M extends AutoCloseable> M fetch(final Correlation<M> request) {
        // Every party checks, so that a kind the dealer would refuse fails here, at once, everywhere.
        catalogue.requireServed(request.kind());
        if (recording != null) {
            recording.add(request);
        }
        try (CommStats.Offline ignored = session.stats().offline()) {
            if (session.partyId() == 0) {
                session.transport().sendBytes(dealerId, catalogue.encode(request));
            }
            return request.generate(source);
        }
    }
}
