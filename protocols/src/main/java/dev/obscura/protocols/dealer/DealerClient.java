package dev.obscura.protocols.dealer;

import dev.obscura.mpc.CommStats;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

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
 * <p>Stored mode ({@link #fromFile}): the material comes from this party's preprocessing file, made by the dealer
 * ahead of time; no dealer endpoint is needed. Each request is checked against the file's plan as it is taken.
 *
 * <p>All time spent here is counted as offline time in the session's {@link CommStats}.
 */
public final class DealerClient {
    /** PRG stream id of dealer-seeded material. */
    static final long DEALER_STREAM = 2;

    /** The first bytes of a party's run agreement in stored mode. */
    private static final byte[] RUN_AGREEMENT = "OBSCRUN1".getBytes(StandardCharsets.US_ASCII);
    private static final int RUN_AGREEMENT_BYTES = RUN_AGREEMENT.length + PreprocessingFileDescriptor.RUN_ID_BYTES
        + PreprocessingFileDescriptor.DIGEST_BYTES;

    private final Session session;
    private final CorrelationCatalogue catalogue;
    private final PartySource source;
    private final Announcer announcer;
    private final ArrayDeque<Prefetched> prefetched = new ArrayDeque<>();
    private List<Correlation<?>> recording;
    /** The background filler once {@link #fillInBackground} started it; then every take is served by it. */
    private volatile BackgroundFill background;

    private record Prefetched(Correlation<?> request, AutoCloseable material) {
    }

    /** What happens before a request's material is generated: party 0 asks the dealer, or the file's plan is checked. */
    @FunctionalInterface
    private interface Announcer {
        void announce(Correlation<?> request, byte[] encoded);
    }

    private DealerClient(final Session session, final CorrelationCatalogue catalogue, final PartySource source,
                         final Announcer announcer) {
        this.session = session;
        this.catalogue = catalogue;
        this.source = source;
        this.announcer = announcer;
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
            final Transport t = session.transport();
            final PartySource source = new PartySource(session.backend(),
                new Prg(Seed.consume(seed), DEALER_STREAM, session.backend()), isLast(session),
                share -> t.receive(dealerId, share));
            return new DealerClient(session, catalogue, source, (request, encoded) -> {
                if (session.partyId() == 0) {
                    t.sendBytes(dealerId, encoded);
                }
            });
        }
    }

    /**
     * Serves this party from its preprocessing {@code file} (opened and checked by {@link PreprocessingFile#open})
     * instead of an online dealer. First checks with every other party that they all hold files of the same run and
     * plan (one frame of 56 bytes to and from each party); a party without a file, or with
     * another run's, fails here, at every party, before anything is computed.
     *
     * @throws PreprocessingFileException (OLD_RUN) when the parties' runs or plans differ
     */
    public static DealerClient fromFile(final Session session, final PreprocessingFile file,
                                        final CorrelationCatalogue catalogue) {
        Objects.requireNonNull(catalogue, "catalogue");
        if (!file.claimed()) {
            throw new IllegalStateException("the preprocessing file " + file.path() + " was not claimed: open it with"
                + " PreprocessingFile.open, or claim() it after PreprocessingFile.check");
        }
        if (file.party() != session.partyId()) {
            throw PreprocessingFile.refuse(PreprocessingFileException.Reason.OTHER_PARTY, file.path(), "it is party "
                + file.party() + "'s file, this is party " + session.partyId());
        }
        try (CommStats.Offline ignored = session.stats().offline()) {
            agreeOnRun(session, file);
            final PartySource source = new PartySource(session.backend(),
                new Prg(file.seed(), DEALER_STREAM, session.backend()), isLast(session), file::readCorrection);
            final PreprocessingPlan plan = file.plan();
            final int[] next = new int[1];
            return new DealerClient(session, catalogue, source, (request, encoded) -> {
                final int i = next[0];
                if (i >= plan.size() || !Arrays.equals(plan.request(i), encoded)) {
                    throw PreprocessingFile.refuse(PreprocessingFileException.Reason.EXHAUSTED, file.path(),
                        "the computation asked for " + request.kind() + " material " + Arrays.toString(request.params())
                        + " as request " + (i + 1) + ", but the file's plan " + (i < plan.size()
                        ? "has " + describe(catalogue, plan.request(i)) + " there" : "ends after " + plan.size()
                        + " requests") + ": it serves another computation");
                }
                next[0] = i + 1;
            });
        }
    }

    /** Sends every other party this party's run id and plan digest, and checks theirs. */
    private static void agreeOnRun(final Session session, final PreprocessingFile file) {
        final Transport t = session.transport();
        final byte[] mine = ByteBuffer.allocate(RUN_AGREEMENT_BYTES).put(RUN_AGREEMENT).put(file.runId())
            .put(file.plan().digest()).array();
        for (int p = 0; p < session.parties(); p++) {
            if (p != session.partyId()) {
                t.sendBytes(p, mine);
            }
        }
        for (int p = 0; p < session.parties(); p++) {
            if (p == session.partyId()) {
                continue;
            }
            final byte[] theirs = t.receiveBytes(p);
            if (theirs.length != RUN_AGREEMENT_BYTES
                || !Arrays.equals(Arrays.copyOf(theirs, RUN_AGREEMENT.length), RUN_AGREEMENT)) {
                throw PreprocessingFile.refuse(PreprocessingFileException.Reason.OLD_RUN, file.path(), "party " + p
                    + " does not use a preprocessing file (it sent " + theirs.length + " bytes, not the "
                    + RUN_AGREEMENT_BYTES + "-byte run agreement): start every party with one file of the same run,"
                    + " or none");
            }
            if (!MessageDigest.isEqual(theirs, mine)) {
                final String theirRun = HexFormat.of().formatHex(theirs, RUN_AGREEMENT.length,
                    RUN_AGREEMENT.length + 6);
                throw PreprocessingFile.refuse(PreprocessingFileException.Reason.OLD_RUN, file.path(), "party " + p
                    + " uses run " + theirRun + ", this party run " + file.runIdHex().substring(0, 12)
                    + " (or their plans differ): every party must use the files of one dealer run");
            }
        }
    }

    private static String describe(final CorrelationCatalogue catalogue, final byte[] encoded) {
        try {
            final Correlation<?> c = catalogue.decode(encoded);
            return c.kind() + " material " + Arrays.toString(c.params());
        } catch (IllegalArgumentException e) {
            return "a request this suite does not know";
        }
    }

    private static boolean isLast(final Session session) {
        return session.partyId() == session.parties() - 1;
    }

    /** This party's shares of {@code request}: prefetched if available, else from the dealer now. */
    public <M extends AutoCloseable> M take(final Correlation<M> request) {
        final BackgroundFill fill = background;
        if (fill != null && prefetched.isEmpty()) {
            return fill.take(request);
        }
        if (!prefetched.isEmpty()) {
            final Prefetched next = prefetched.poll();
            return matching(next, request, "the next prefetched request", "; prefetched=" + (prefetched.size() + 1));
        }
        return fetch(request);
    }

    /** Obtains every correlation in {@code requests} now, in order, for later {@link #take} calls. */
    public void prefetch(final List<Correlation<?>> requests) {
        for (final Correlation<?> r : requests) {
            prefetched.add(new Prefetched(r, fetch(r)));
        }
    }

    /** Number of prefetched correlations not yet taken (by {@link #prefetch} and by the background filler). */
    public int prefetchedCount() {
        final BackgroundFill fill = background;
        return prefetched.size() + (fill == null ? 0 : fill.queued());
    }

    /**
     * Starts a thread that keeps up to {@code depth} runs of {@code requests} ready, fetching the next run whenever
     * fewer than {@code depth} whole runs wait, so that the online phase does not wait for the dealer while the pool
     * is not empty. From this call on, every {@link #take} (after what {@link #prefetch} left) is served from that
     * pool in order, waiting for the thread at most the transport's time-out; this party's thread must not be the
     * one that talks to the dealer any more, so the call comes between computations.
     *
     * <p>Every party starts its filler after the same computations with the same plan and depth, so that the
     * fillers ask for the same correlations in the same order (party 0's announces them; the last party's reads the
     * dealer's corrections). The filler uses only the dealer's link of the transport, which the transport must allow
     * beside the party's own thread on the peers' links (both transports of this project do: each link has its own
     * queue). Its traffic is not counted in {@link CommStats} (which belongs to the party's thread), except the
     * transport's byte counters. Close the returned handle to stop the filler and release what it fetched.
     *
     * @throws IllegalStateException when a filler already runs, or recording is on
     */
    public synchronized BackgroundFill fillInBackground(final List<Correlation<?>> requests, final int depth) {
        if (background != null) {
            throw new IllegalStateException("a background filler already runs for this party");
        }
        if (recording != null) {
            throw new IllegalStateException("cannot fill in the background while recording a plan");
        }
        if (requests.isEmpty() || depth < 1) {
            throw new IllegalArgumentException("need a non-empty plan and a depth of at least 1, requests="
                + requests.size() + ", depth=" + depth);
        }
        for (final Correlation<?> r : requests) {
            catalogue.requireServed(r.kind());
        }
        final BackgroundFill fill = new BackgroundFill(List.copyOf(requests), depth);
        background = fill;
        fill.thread.start();
        return fill;
    }

    /** Starts recording the correlations requested from now on (for a later {@link #prefetch}). */
    public void startRecording() {
        recording = new ArrayList<>();
    }

    /** Stops recording and returns the plan (the requests, in order) for {@link PreprocessingPlan#of}. */
    public CorrelationPlan stopRecordingPlan() {
        return new CorrelationPlan(stopRecording());
    }

    /** Stops recording and returns the requests, in order. */
    public List<Correlation<?>> stopRecording() {
        final List<Correlation<?>> out = recording == null ? List.of() : recording;
        recording = null;
        return out;
    }

    /** The material of {@code request} from the dealer (or the file), on the background filler's thread. */
    private AutoCloseable fetchInBackground(final Correlation<?> request) {
        announcer.announce(request, catalogue.encode(request));
        return request.generate(source);
    }

    private <M extends AutoCloseable> M fetch(final Correlation<M> request) {
        if (background != null) {
            throw new IllegalStateException("the dealer is the background filler's: fetch on the party's thread");
        }
        // Every party checks, so that a kind the dealer would refuse fails here, at once, everywhere.
        catalogue.requireServed(request.kind());
        if (recording != null) {
            recording.add(request);
        }
        try (CommStats.Offline ignored = session.stats().offline()) {
            announcer.announce(request, catalogue.encode(request));
            return request.generate(source);
        }
    }

    /**
     * The background filler of {@link #fillInBackground}: one daemon thread that fetches whole runs of a plan into a
     * queue while fewer than {@code depth} whole runs wait. A failure of the thread (the dealer gone, a transport
     * error) is kept and thrown to the party's next take, after what was fetched before it is used up.
     */
    public final class BackgroundFill implements Preprocessing.Filler {
        /** The longest {@link #close} waits for the filler thread to end. */
        private static final long CLOSE_WAIT_MILLIS = 2000;
        private final List<Correlation<?>> plan;
        private final int depth;
        private final LinkedBlockingQueue<Prefetched> queue = new LinkedBlockingQueue<>();
        private final Thread thread;
        private final Object room = new Object();
        private volatile RuntimeException failure;
        private volatile boolean stopping;

        private BackgroundFill(final List<Correlation<?>> plan, final int depth) {
            this.plan = plan;
            this.depth = depth;
            this.thread = new Thread(this::run, "obscura-dealer-filler-" + session.partyId());
            thread.setDaemon(true);
        }

        /** Whole runs of the plan ready now (the pool depth). */
        @Override
        public int depth() {
            return queued() / plan.size();
        }

        private int queued() {
            return queue.size();
        }

        private void run() {
            try {
                while (!stopping) {
                    synchronized (room) {
                        while (!stopping && queue.size() > (depth - 1) * plan.size()) {
                            room.wait();
                        }
                    }
                    if (stopping) {
                        return;
                    }
                    for (final Correlation<?> r : plan) {
                        final AutoCloseable material = fetchInBackground(r);
                        synchronized (room) {
                            if (stopping) {
                                release(new Prefetched(r, material));
                                return;
                            }
                            queue.add(new Prefetched(r, material));
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!stopping) {
                    failure = e;
                }
            }
        }

        private <M extends AutoCloseable> M take(final Correlation<M> request) {
            final long timeoutMillis = session.transport().timeout().toMillis();
            final Prefetched next;
            try {
                Prefetched p = queue.poll();
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
                while (p == null) {
                    final RuntimeException failed = failure;
                    if (failed != null) {
                        throw new IllegalStateException("the background filler of correlated randomness failed: "
                            + failed.getMessage(), failed);
                    }
                    if (stopping) {
                        throw new IllegalStateException("the background filler of correlated randomness was closed");
                    }
                    final long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TransportException(TransportException.Reason.TIMEOUT, "waited " + timeoutMillis
                            + " ms for the background filler's correlated randomness from the dealer");
                    }
                    p = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
                }
                next = p;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for correlated randomness", e);
            }
            synchronized (room) {
                room.notifyAll();
            }
            return matching(next, request, "the background filler's plan", "");
        }

        /**
         * Stops the filler, waits for it (at most two seconds: one inside a fetch ends when the transport closes, and
         * releases what it was fetching) and releases what it fetched and nobody took. The party's takes fail from
         * now on. Idempotent.
         */
        @Override
        public void close() {
            synchronized (room) {
                stopping = true;
                room.notifyAll();
            }
            try {
                // A filler inside a fetch ends with its transport (when the session closes): do not wait for that.
                thread.join(Math.min(CLOSE_WAIT_MILLIS, session.transport().timeout().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (room) {
                for (Prefetched p = queue.poll(); p != null; p = queue.poll()) {
                    release(p);
                }
            }
        }

        @Override
        public String toString() {
            return "BackgroundFill[party=" + session.partyId() + ", plan=" + plan.size() + " requests, depth="
                + depth + ", ready=" + depth() + "]";
        }
    }

    /**
     * {@code next}'s material when it is what the computation asks for; else releases it and fails: the program
     * differs from the one that was recorded.
     */
    @SuppressWarnings("unchecked")
    private static <M extends AutoCloseable> M matching(final Prefetched next, final Correlation<M> request,
                                                        final String source, final String detail) {
        if (!Correlation.same(next.request(), request)) {
            release(next);
            throw new IllegalStateException("the computation asked for " + request.kind() + " material that does not"
                + " match " + source + " (" + next.request().kind() + "): it differs from the recorded run" + detail);
        }
        return (M) next.material();
    }

    private static void release(final Prefetched p) {
        try {
            p.material().close();
        } catch (Exception e) {
            throw new IllegalStateException("releasing correlated randomness failed", e);
        }
    }
}
