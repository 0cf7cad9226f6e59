package dev.obscura.protocols;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecureOps;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.random.SeedSource;
import dev.obscura.ring.FixedPoint;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Runs N parties (and the suite's helper roles, its dealer say) as threads of this process, each with its own
 * session and in-process transport, and hands back every party's result: a test or an embedding service calls one
 * method.
 *
 * <pre>{@code
 * List<double[]> out = LocalParties.builder().parties(3).build().run(ops -> {
 *     SecretTensor x = ops.input(0, ops.session().partyId() == 0 ? data : null, 4);
 *     return ops.reveal(ops.relu(x));
 * });
 * }</pre>
 *
 * <p>A party that throws makes every other party fail at its next receive (never hang), and {@link #run} throws a
 * {@link PartyFailureException} whose cause is the first party's original exception.
 *
 * <p>Immutable and thread-safe: each {@link #run} builds its own network and threads.
 */
public final class LocalParties {
    private static final System.Logger LOG = System.getLogger(LocalParties.class.getName());

    private final int parties;
    private final ProtocolSuite suite;
    private final Backend backend;
    private final FixedPoint fixedPoint;
    private final Duration timeout;
    private final String insecureSeed;
    private final ClusterNetwork.Factory network;
    private final boolean checked;

    private LocalParties(final Builder b) {
        this.parties = b.parties;
        this.suite = b.suite;
        this.backend = b.backend != null ? b.backend : Backends.defaultBackend();
        this.fixedPoint = b.fixedPoint;
        this.timeout = b.timeout;
        this.insecureSeed = b.insecureSeed;
        this.network = b.network;
        this.checked = b.checked;
    }

    /** A builder with defaults: 2 parties, the additive dealer suite, the default backend, 16 fractional bits. */
    public static Builder builder() {
        return new Builder();
    }

    /** Number of parties. */
    public int parties() {
        return parties;
    }

    /** The backend every party uses. */
    public Backend backend() {
        return backend;
    }

    /** Whether the parties run in checked mode ({@link Builder#checked}). */
    public boolean checked() {
        return checked;
    }

    /**
     * Runs {@code program} on every party and returns the results, indexed by party id.
     *
     * @throws PartyFailureException when a party (or a helper, the dealer say) fails
     */
    public <T> List<T> run(final Function<SecureOps, T> program) {
        try (LocalCluster cluster = start()) {
            return cluster.runLast(program);
        }
    }

    /**
     * Starts long-lived parties that run program after program on the same sessions (for services and
     * benchmarks). Close the cluster when done.
     */
    public LocalCluster start() {
        if (insecureSeed == null) {
            return new LocalCluster(parties, suite, backend, fixedPoint, timeout, id -> SeedSource.secure(), network,
                checked);
        }
        LOG.log(Level.WARNING, INSECURE_WARNING);
        return new LocalCluster(parties, suite, backend, fixedPoint, timeout,
            id -> SeedSource.insecureDerived(insecureSeed, id), network, checked);
    }

    /** The warning every start with an insecure seed logs. */
    static final String INSECURE_WARNING = "INSECURE: every party's and helper's seeds are derived from a fixed"
        + " master seed (LocalParties.Builder.insecureSeed): every share and mask of this run can be recomputed by"
        + " anyone who knows it. For tests and reproducible runs only, never with real data.";

    /** Settings of a {@link LocalParties} run. */
    public static final class Builder {
        private int parties = 2;
        private ProtocolSuite suite = new AdditiveSuite();
        private Backend backend;
        private FixedPoint fixedPoint = FixedPoint.defaultEncoding();
        private Duration timeout = Duration.ofSeconds(60);
        private String insecureSeed;
        private ClusterNetwork.Factory network = ClusterNetwork.Factory.IN_PROCESS;
        private boolean checked;

        private Builder() {
        }

        /**
         * The network the parties and helpers talk through (default {@link ClusterNetwork.Factory#IN_PROCESS}; the
         * network module's {@code LoopbackNetwork.factory(...)} runs them over TCP with TLS on loopback).
         */
        public Builder network(final ClusterNetwork.Factory factory) {
            this.network = java.util.Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * INSECURE, for tests and reproducible runs only: derives every endpoint's seeds from {@code masterSeed}
         * ({@link SeedSource#insecureDerived}), so that the same program on the same master seed gives the same
         * results bit for bit, here and across processes (a deployment's {@code insecure-seed} setting). It removes
         * all security; each start logs a warning. {@code null} (the default) draws from
         * {@link java.security.SecureRandom}.
         */
        public Builder insecureSeed(final String masterSeed) {
            if (masterSeed != null && !SeedSource.MASTER_SEED.matcher(masterSeed).matches()) {
                throw new IllegalArgumentException("an insecure master seed is 1 to 64 letters, digits, '.', '_' or"
                    + " '-'");
            }
            this.insecureSeed = masterSeed;
            return this;
        }

        /** Number of computing parties, 2 or more (default 2). */
        public Builder parties(final int n) {
            if (n < 2 || n > 16) {
                throw new IllegalArgumentException("parties must be between 2 and 16, parties=" + n);
            }
            this.parties = n;
            return this;
        }

        /** The protocol suite (default: the additive dealer suite). */
        public Builder suite(final ProtocolSuite s) {
            this.suite = s;
            return this;
        }

        /** The backend of every party (default: {@link Backends#defaultBackend()}). */
        public Builder backend(final Backend b) {
            this.backend = b;
            return this;
        }

        /** The fixed-point encoding (default: 16 fractional bits). */
        public Builder fixedPoint(final FixedPoint fp) {
            this.fixedPoint = fp;
            return this;
        }

        /** The longest any receive waits (default 60 s). */
        public Builder timeout(final Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, timeout=" + d);
            }
            this.timeout = d;
            return this;
        }

        /**
         * Checked mode, for development and tests (default off): a plaintext twin runs beside the secure
         * computation and stops every party at the first operation whose result left its range (a product or a sum
         * of products at 2^62 as a ring value, {@code 2^(62-2f)} in real units, where its truncation stops being
         * exact; any other result at {@code 2^(62-f)}), whose input left a derived function's domain, or whose
         * result differs from the twin's, with a {@link CheckedModeException} (the cause of the run's
         * {@link PartyFailureException}) naming the operation, the label of what the program computed (the
         * {@code nn} engine's layer and pass) and the bound, never a value. See {@code SecureOps}' Checked mode.
         *
         * <p>The results, and the protocol's messages, rounds and bytes, are those of an unchecked run: the twin
         * only reads the shares. It reconstructs them, so it needs every party's share in one process, which is
         * why only in-process parties offer it; parties on other hosts never hold each other's shares, and a
         * checker that gathered them would be a party that learns everything. The price is time: the parties'
         * threads meet at every checked operation (a wait bounded by {@link #timeout}), and the last to arrive
         * reconstructs the operands and recomputes the operation in the clear.
         */
        public Builder checked(final boolean on) {
            this.checked = on;
            return this;
        }

        /** The configured runner. */
        public LocalParties build() {
            return new LocalParties(this);
        }
    }
}
