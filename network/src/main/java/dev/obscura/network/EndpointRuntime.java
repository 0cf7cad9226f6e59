package dev.obscura.network;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.TransportException;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.dealer.CorrelationPlan;
import dev.obscura.protocols.dealer.PreprocessingFile;
import dev.obscura.protocols.dealer.PreprocessingFileWriter;
import dev.obscura.protocols.dealer.PreprocessingPlan;
import dev.obscura.random.SeedSource;
import dev.obscura.ring.FixedPoint;
import dev.obscura.text.UntrustedText;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One endpoint of a deployment, run from its configuration: a party's session or a helper's role (the dealer) over
 * {@link TcpTransport}. Every command that runs an endpoint ({@code obscura party}, {@code obscura dealer},
 * {@code obscura mnist infer --config}) goes through here, and so can a service that embeds a party.
 *
 * <pre>{@code
 * try (EndpointRuntime party = EndpointRuntime.open(new EndpointRuntime.Context()
 *         .config(NetworkConfig.read(file)).self(1).suite(new AdditiveSuite()))) {
 *     double[] y = party.run(ops -> ops.reveal(...));
 * }
 * }</pre>
 *
 * <p>{@link #open} checks the configuration against the suite (its name, and one helper endpoint per helper role the
 * suite declares, with the role's name, in order), refuses an {@code insecure-seed} unless explicitly allowed (and
 * logs a warning when it is), opens the transport and, for a party, establishes the session and the suite's
 * primitives. From then on, any failure of this endpoint (a configuration, file or program error, a peer that
 * fails) aborts the transport, so that every other endpoint fails at once with this one's reason instead of waiting
 * for its time-out, and is thrown as an {@link EndpointFailedException} whose one-line message names the endpoint
 * that failed first. The runtime is then closed.
 *
 * <p>Preprocessing files: a party given {@link Context#preprocessing(Path)} is served by its file and connects to
 * the other parties only: the dealer made the files ahead of time ({@link #writePreprocessing}) and need not run. The
 * file is checked ({@link PreprocessingFile#check}) before the party connects, so that a wrong file fails at once
 * (the peers then see a party that never joined), and claimed (marked used) once the peers are connected. A party
 * given {@link Context#recordPlan(Path)} writes the plan of what it computed when it closes, the input of
 * {@link #writePreprocessing}.
 *
 * <p>Not thread-safe: one thread runs an endpoint.
 */
public final class EndpointRuntime implements AutoCloseable {
    /** System property that allows an {@code insecure-seed} in the configuration ({@code true}). */
    public static final String ALLOW_INSECURE_SEED_PROPERTY = "obscura.allow-insecure-seed";
    private static final System.Logger LOG = System.getLogger(EndpointRuntime.class.getName());

    private final Context context;
    private final NetworkConfig config;
    private final int self;
    private final String who;
    private TcpTransport transport;
    private PreprocessingFile file;
    private Session session;
    private SecureOps ops;
    private SeedSource seeds;
    private boolean closed;

    private EndpointRuntime(final Context context) {
        this.context = context;
        this.config = context.config;
        this.self = context.self;
        this.who = self < config.parties() ? "party " + self : "the " + config.endpoint(self).name();
    }

    /**
     * Opens this endpoint: checks the settings, connects to its peers and, for a party, establishes its session.
     *
     * @throws ConfigException          when the configuration does not fit the suite, or asks for an insecure seed
     *                                  that was not allowed (nothing was opened)
     * @throws EndpointFailedException  when opening fails (every connected peer was told)
     */
    public static EndpointRuntime open(final Context context) {
        context.conclude();
        final EndpointRuntime r = new EndpointRuntime(context);
        r.guard(() -> {
            r.start();
            return null;
        });
        return r;
    }

    /** Opens a party, runs {@code program} once and closes: the whole life of a party process. */
    public static <T> T runParty(final Context context, final Function<SecureOps, T> program) {
        try (EndpointRuntime r = open(context)) {
            return r.run(program);
        }
    }

    /** Opens a helper, serves its role until the parties close, and closes: the whole life of a helper process. */
    public static void runHelper(final Context context) {
        try (EndpointRuntime r = open(context)) {
            r.serve();
        }
    }

    private void start() {
        if (context.preprocessing != null) {
            // Checked before connecting, so that a wrong file is reported at once, not after the peers' wait.
            file = PreprocessingFile.check(context.preprocessing, new PreprocessingFile.Expected(self,
                config.parties(), config.digest(), context.computation, PemFiles.authority(config),
                config.helpers().get(0).name()));
        }
        transport = TcpTransport.open(new TcpTransport.Context().config(config).self(self)
            .emulation(context.emulation).tlsProvider(context.tlsProvider).partiesOnly(context.preprocessing != null));
        if (!isParty()) {
            return;
        }
        if (context.computation != null) {
            agreeOnComputation();
        }
        ProtocolSuite suite = context.suite;
        if (file != null) {
            file.claim(); // only now: a party that cannot reach its peers keeps its file unused
            LOG.log(Level.INFO, () -> who + ": served by the preprocessing file " + file.path() + " (run "
                + file.runIdHex().substring(0, 12) + ", " + file.plan().size() + " requests)");
            final PreprocessingFile mine = file;
            suite = ((AdditiveSuite) suite).withPreprocessing(p -> mine);
        }
        session = Session.establish(transport, context.backend, new FixedPoint(config.fixedPointBits()),
            context.suite.helperRoles().size(), seeds());
        ops = new SecureOps(suite.init(session));
        if (context.recordPlan != null) {
            recorder().startRecording();
        }
    }

    /**
     * Sends every other party the name of the computation this party runs and checks theirs (one frame each way,
     * before the session), so that parties started with different options fail at once, naming both computations,
     * instead of on a frame of the wrong size in the middle of the run.
     */
    private void agreeOnComputation() {
        final byte[] mine = context.computation.getBytes(StandardCharsets.UTF_8);
        for (int p = 0; p < config.parties(); p++) {
            if (p != self) {
                transport.sendBytes(p, mine);
            }
        }
        for (int p = 0; p < config.parties(); p++) {
            if (p == self) {
                continue;
            }
            final byte[] theirs = transport.receiveBytes(p);
            if (!Arrays.equals(mine, theirs)) {
                throw new IllegalStateException("party " + p + " runs " + UntrustedText.quote(new String(theirs,
                    StandardCharsets.UTF_8), PreprocessingPlan.MAX_COMPUTATION_BYTES) + ", this party "
                    + UntrustedText.quote(context.computation, PreprocessingPlan.MAX_COMPUTATION_BYTES)
                    + ": every party must run the same computation, with the same options");
            }
        }
    }

    /**
     * This endpoint's one seed source: derived from the configuration's insecure seed (allowed by now, with a
     * warning), else secure.
     */
    private SeedSource seeds() {
        if (seeds == null) {
            seeds = config.insecureSeed().map(s -> {
                LOG.log(Level.WARNING, "INSECURE: " + who + " derives every seed from the insecure-seed of "
                    + s.origin() + ": every share, mask and seed of this run can be recomputed from it. For tests"
                    + " and reproducible runs only, never with real data.");
                return SeedSource.insecureDerived(s.value(), self);
            }).orElse(SeedSource.secure());
        }
        return seeds;
    }

    /** Whether this endpoint is a party (else a helper). */
    public boolean isParty() {
        return self < config.parties();
    }

    /** The transport of this endpoint (counters, the TLS provider in use). */
    public TcpTransport transport() {
        return transport;
    }

    /** The preprocessing file serving this party, if it was given one. */
    public java.util.Optional<PreprocessingFile> preprocessingFile() {
        return java.util.Optional.ofNullable(file);
    }

    /**
     * Runs {@code program} on this party's session (its shares and dealer connection persist between runs).
     *
     * @throws EndpointFailedException when the program or a peer fails (the runtime is then closed)
     * @throws IllegalStateException   for a helper, or after close
     */
    public <T> T run(final Function<SecureOps, T> program) {
        if (!isParty()) {
            throw new IllegalStateException(who + " is a helper endpoint: it serves, it runs no program");
        }
        requireOpen();
        return guard(() -> program.apply(ops));
    }

    /**
     * Serves this helper's role (the dealer's, say) until the parties close their connections.
     *
     * @throws EndpointFailedException when the role or a peer fails
     * @throws IllegalStateException   for a party, or after close
     */
    public void serve() {
        if (isParty()) {
            throw new IllegalStateException(who + " is a party: it runs programs, it serves no role");
        }
        requireOpen();
        final HelperRole role = context.suite.helperRoles().get(self - config.parties());
        guard(() -> {
            role.run(transport, context.backend, seeds());
            return null;
        });
    }

    /**
     * Closes this endpoint normally; a party given {@link Context#recordPlan} writes its plan first. Idempotent.
     *
     * @throws EndpointFailedException when the plan cannot be written (the peers are told)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (context.recordPlan != null && ops != null) {
            guard(() -> {
                writePlan();
                return null;
            });
        }
        release(null);
    }

    private void writePlan() {
        final Preprocessing.Plan plan = recorder().stopRecording();
        PreprocessingPlan.of(context.computation, (CorrelationPlan) plan,
            ((AdditiveSuite) context.suite).correlations()).write(context.recordPlan);
        LOG.log(Level.INFO, () -> who + ": wrote the plan of '" + context.computation + "' (" + plan.size()
            + " requests) to " + context.recordPlan);
    }

    private Preprocessing recorder() {
        return ops.preprocessing().orElseThrow(() -> new IllegalStateException("suite " + context.suite.name()
            + " has no preprocessing to record"));
    }

    /** Runs {@code body}; on any failure aborts the transport (telling every peer) and throws one line. */
    private <T> T guard(final java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (RuntimeException | Error e) {
            final String line = describe(e);
            release(line);
            throw new EndpointFailedException(self, line, e);
        }
    }

    /** The one line of a failure: this endpoint failed, or it stopped because a peer failed first. */
    private String describe(final Throwable e) {
        final String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof TransportException t && t.reason() == TransportException.Reason.FAILED) {
            return who + " stopped: " + message;
        }
        final boolean plain = e instanceof TransportException || e instanceof ConfigException
            || e instanceof IllegalArgumentException || e instanceof IllegalStateException
            || e instanceof java.io.UncheckedIOException
            || e instanceof dev.obscura.protocols.dealer.PreprocessingFileException;
        return who + " failed: " + (plain ? message : e.getClass().getSimpleName() + ": " + message);
    }

    private void release(final String abortReason) {
        if (closed) {
            return;
        }
        closed = true;
        if (transport != null) {
            if (abortReason == null) {
                transport.close();
            } else {
                transport.abort(abortReason);
            }
        }
        if (file != null) {
            file.close();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(who + " is closed");
        }
    }

    /**
     * The dealer ahead of time: makes {@code runs} runs of {@code plan}'s preprocessing for the deployment of
     * {@code context} (whose {@code self} must be the dealer's endpoint) and writes every party's files under
     * {@code dir}, signed with the dealer's TLS key. Opens no connection. The configuration's insecure seed, when
     * allowed, derives the dealer's seeds as it does online, so that files and an online run agree bit for bit.
     *
     * @return each run's id and files
     * @throws ConfigException when the configuration does not fit, or the dealer's key or certificate cannot be read
     */
    public static List<PreprocessingFileWriter.Run> writePreprocessing(final Context context,
                                                                       final PreprocessingPlan plan, final Path dir,
                                                                       final int runs) {
        context.conclude();
        final NetworkConfig config = context.config;
        if (!(context.suite instanceof AdditiveSuite additive) || context.self != config.parties()) {
            throw new IllegalArgumentException("preprocessing files are made by the dealer of the additive suite,"
                + " endpoint " + config.parties() + ", self=" + context.self + ", suite=" + context.suite.name());
        }
        if (runs < 1 || runs > 1000) {
            throw new IllegalArgumentException("runs must be between 1 and 1000, runs=" + runs);
        }
        final NetworkConfig.Endpoint dealer = config.endpoint(context.self);
        final PreprocessingFileWriter writer = new PreprocessingFileWriter(plan, additive.correlations(),
            config.parties(), config.digest(), new PreprocessingFileWriter.Signer(PemFiles.privateKey(config, dealer),
            PemFiles.certificate(config, dealer)), context.backend);
        // One seed source for every run: with an insecure seed, run 1 draws what the online dealer draws.
        final SeedSource dealerSeeds = new EndpointRuntime(context).seeds();
        final List<PreprocessingFileWriter.Run> out = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            out.add(writer.write(dir, dealerSeeds));
        }
        return out;
    }

    @Override
    public String toString() {
        return "EndpointRuntime[" + who + ", " + config + "]";
    }

    /**
     * The settings of one endpoint: the configuration, which endpoint this is, and the suite are required; the rest
     * have defaults. {@link #conclude()} (called by {@link #open}) checks them against each other.
     */
    public static final class Context {
        NetworkConfig config;
        int self = -1;
        ProtocolSuite suite;
        Backend backend;
        LinkEmulation emulation = LinkEmulation.NONE;
        TlsProvider tlsProvider;
        Boolean allowInsecureSeed;
        String computation;
        Path preprocessing;
        Path recordPlan;

        /** The deployment's configuration (required). */
        public Context config(final NetworkConfig c) {
            this.config = c;
            return this;
        }

        /** This endpoint's id (required): a party, or a helper after the parties. */
        public Context self(final int id) {
            this.self = id;
            return this;
        }

        /** The protocol suite; its name must be the configuration's {@code suite} (required). */
        public Context suite(final ProtocolSuite s) {
            this.suite = s;
            return this;
        }

        /** The backend of this endpoint's arithmetic (default: {@link Backends#defaultBackend()}). */
        public Context backend(final Backend b) {
            this.backend = b;
            return this;
        }

        /** Link emulation of the messages this endpoint receives (default none). */
        public Context emulation(final LinkEmulation e) {
            this.emulation = Objects.requireNonNull(e, "emulation");
            return this;
        }

        /** The TLS provider (default: as {@link TcpTransport.Context#tlsProvider}). */
        public Context tlsProvider(final TlsProvider p) {
            this.tlsProvider = p;
            return this;
        }

        /**
         * Whether the configuration may set {@code insecure-seed} (default: system property
         * {@value #ALLOW_INSECURE_SEED_PROPERTY}, else false). Tests and reproducible runs only.
         */
        public Context allowInsecureSeed(final boolean allow) {
            this.allowInsecureSeed = allow;
            return this;
        }

        /**
         * The name of the computation a party runs, from its public parameters (for example
         * {@code "matmul m=64 k=64 n=64 data-seed=1"}): the parties check when they connect that they all run the
         * same (a party started with other options fails at once, naming both); it is what a recorded plan is
         * called and what a preprocessing file must serve. Required with {@link #preprocessing} and
         * {@link #recordPlan}; optional otherwise.
         */
        public Context computation(final String name) {
            this.computation = name;
            return this;
        }

        /** A party: serve the computation from this preprocessing file instead of the online dealer. */
        public Context preprocessing(final Path file) {
            this.preprocessing = file;
            return this;
        }

        /** A party: record the plan of what it computes and write it to {@code file} when it closes. */
        public Context recordPlan(final Path file) {
            this.recordPlan = file;
            return this;
        }

        /** Fills in defaults and checks the settings against each other. */
        public Context conclude() {
            if (config == null) {
                throw new IllegalArgumentException("a network configuration is required");
            }
            if (suite == null) {
                throw new IllegalArgumentException("a protocol suite is required");
            }
            if (backend == null) {
                backend = Backends.defaultBackend();
            }
            if (allowInsecureSeed == null) {
                allowInsecureSeed = Boolean.getBoolean(ALLOW_INSECURE_SEED_PROPERTY);
            }
            EndpointChecks.check(this);
            return this;
        }
    }
}
