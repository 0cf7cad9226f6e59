package dev.obscura.federated.fl;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.WorkerException;
import dev.obscura.privacy.ClippedSum;
import dev.obscura.privacy.GaussianNoise;
import dev.obscura.privacy.NoiseCalibration;
import dev.obscura.privacy.PrivacySpent;
import dev.obscura.privacy.RandomBits;
import dev.obscura.privacy.RdpAccountant;
import dev.obscura.ring.FixedPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Differentially private federated averaging, DP-FedAvg of McMahan, Ramage, Talwar and Zhang, "Learning
 * Differentially Private Recurrent Language Models" (ICLR 2018), Algorithm 1 with the fixed-denominator estimator:
 * user-level DP, every worker's data protected as a whole.
 *
 * <pre>
 *   each sampled worker k:  Δ_k clipped to L2 norm C, at the worker, before it leaves     (clip with weight w_k = 1)
 *   the aggregate:          Δ = (sum_k clip(Δ_k) + N(0, σ² C² I)) / (q K)               (noise added once)
 *   the accountant:         one step of the sampled Gaussian mechanism per round, q = m / K, noise multiplier σ
 * </pre>
 *
 * Updates are weighted equally (w_k = 1, the paper's choice when the weights are capped) and the sum is divided by
 * the expected number of workers per round {@code qK = m}, not by the number that arrived, so that adding or
 * removing one worker changes the sum by at most C whatever the others do: the sensitivity is C, and a worker that
 * drops out only contributes zero.
 *
 * <p>The noise is the discrete Gaussian on the fixed-point grid ({@link GaussianNoise}, standard deviation at least
 * σC), added to the exact integer sum with randomness from the AES-CTR generator ({@link RandomBits#fresh}), and
 * the clipping leaves room for the rounding to the grid ({@link ClippedSum}), so the integers summed have norm at
 * most C exactly.
 *
 * <p><b>Where the sum is formed.</b> Plain ({@link #builder()} without {@link Builder#secure}): each worker clips
 * ({@link RemoteTensor#clipNorm}) and the coordinator fetches the clipped updates and sums them; it sees each one.
 * With secure aggregation ({@link SecureAggregation#sum} with the clip norm): each worker clips and encodes its own
 * update inside its secure-aggregation client and the coordinator learns only the sum, to which it then adds the
 * noise. The coordinator therefore sees the <em>un-noised</em> sum: the DP guarantee protects each worker's data
 * against everyone who sees the models (the workers, whoever gets the final model), not against the coordinator.
 * With additive sharing among aggregators ({@link AdditiveAggregation}, {@link SecureSum#addsNoise()}), aggregator
 * 0 adds the noise to its share of the sum before it leaves, so nobody, the coordinator included, sees the sum
 * without it unless aggregator 0 colludes with the coordinator. Noise added at the workers (the distributed discrete
 * Gaussian of Kairouz, Liu and Steinke, ICML 2021, whose sum is not a discrete Gaussian) is not implemented.
 *
 * <p><b>Accounting.</b> Federated averaging samples a fixed-size set of m workers per round; the accountant
 * ({@link RdpAccountant}) analyses Poisson sampling at rate q = m/K, as McMahan et al. do. For fixed-size samples
 * this is the figure practice reports, not a proof (docs/PRIVACY.md). {@link #spent()} is ε at δ after the rounds
 * aggregated so far; σ can be calibrated from a target ε with {@link #noiseMultiplierFor}.
 *
 * <p>Thread-safe (one round at a time).
 */
public final class DpFedAvg implements Aggregation {
    /** Fractional bits of the grid unless told otherwise. */
    public static final int DEFAULT_FRAC_BITS = 20;

    private final double clipNorm;
    private final double noiseMultiplier;
    private final double delta;
    private final int clients;
    private final int perRound;
    private final FixedPoint encoding;
    private final SecureSum secure;
    private final Backend backend;
    private final RdpAccountant accountant = new RdpAccountant();

    private DpFedAvg(final Builder b) {
        this.clipNorm = b.clipNorm;
        this.noiseMultiplier = b.noiseMultiplier;
        this.delta = b.delta;
        this.clients = b.clients;
        this.perRound = b.perRound;
        this.secure = b.secure;
        this.encoding = new FixedPoint(b.secure != null ? b.secure.fracBits() : b.fracBits);
        this.backend = Backends.defaultBackend();
        // Refuses a noise the grid cannot carry now, not in the first round.
        GaussianNoise.forSensitivity(noiseMultiplier, clipNorm, encoding);
    }

    /** Settings, to be given: the clip norm, the noise multiplier, δ and the worker counts. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The smallest noise multiplier σ for which {@code rounds} rounds at sampling rate {@code sampleRate} spend at
     * most {@code epsilon} at {@code delta} ({@link NoiseCalibration}).
     *
     * @throws IllegalArgumentException when an argument is out of range or the budget is unreachable
     */
    public static double noiseMultiplierFor(final double epsilon, final double delta, final double sampleRate,
                                            final int rounds) {
        return NoiseCalibration.noiseMultiplier(epsilon, delta, sampleRate, rounds);
    }

    @Override
    public String name() {
        return secure != null ? "dp-fedavg+" + secure.name() : "dp-fedavg";
    }

    /** The secure sum the noise is added to, or {@code null} when the coordinator sums in the clear. */
    public SecureSum secureSum() {
        return secure;
    }

    /** The clip norm C. */
    public double clipNorm() {
        return clipNorm;
    }

    /** The noise multiplier σ. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** The sampling rate {@code q = m / K}. */
    public double sampleRate() {
        return (double) perRound / clients;
    }

    /** The expected number of workers per round, {@code qK = m}: the sum's divisor. */
    public int expectedWorkers() {
        return perRound;
    }

    /** The δ of {@link #spent()}. */
    public double delta() {
        return delta;
    }

    /** The grid on which updates are summed and noised. */
    public FixedPoint encoding() {
        return encoding;
    }

    /** The standard deviation of the noise added to the sum, in real units (at least σC). */
    public double noiseStdDev() {
        return GaussianNoise.forSensitivity(noiseMultiplier, clipNorm, encoding).stdDev();
    }

    /** The privacy spent by the rounds aggregated so far, ε at {@link #delta()} (ε = 0 before the first). */
    public synchronized PrivacySpent spent() {
        return accountant.spent(delta);
    }

    /** The rounds aggregated so far. */
    public synchronized long rounds() {
        return accountant.steps();
    }

    @Override
    public synchronized AggregatedUpdate aggregate(final List<LocalUpdate> updates, final int parameters) {
        // The Gaussian mechanism on the sum of clipped updates: sensitivity C, noise σC, once per round; added
        // inside the secure sum where it can (the additive route: nobody sees the sum without it), else here.
        final boolean noisedInside = secure != null && secure.addsNoise();
        final FixedPointSum s = noisedInside ? secure.noisedSum(updates, parameters, clipNorm, noiseMultiplier)
            : secure != null ? secure.sum(updates, parameters, clipNorm) : plainSum(updates, parameters);
        if (s.workers().isEmpty()) {
            throw new IllegalStateException("no update could be aggregated, dropped=" + s.dropped().keySet());
        }
        final long[] sum = s.sum();
        if (!noisedInside) {
            try (RandomBits bits = RandomBits.fresh(backend)) {
                GaussianNoise.forSensitivity(noiseMultiplier, clipNorm, s.encoding()).addTo(sum, bits);
            }
        }
        final float[] mean = s.divided(perRound);
        accountant.step(noiseMultiplier, sampleRate());
        return new AggregatedUpdate(mean, Math.toIntExact(s.samples()), s.workers(), s.dropped(),
            accountant.spent(delta));
    }

    /** Each update clipped at its worker, then fetched and summed on the grid (the coordinator sees each one). */
    private FixedPointSum plainSum(final List<LocalUpdate> updates, final int parameters) {
        // Rounding to the grid could push a clipped vector just past C: ClippedSum clips to C' below C first.
        final ClippedSum sum = new ClippedSum(parameters, clipNorm, encoding);
        final List<String> in = new ArrayList<>();
        final Map<String, String> dropped = new LinkedHashMap<>();
        long samples = 0;
        for (final LocalUpdate u : updates) {
            try (RemoteTensor clipped = u.update().clipNorm(clipNorm)) {
                final float[] values = clipped.get().data();
                if (values.length != parameters) {
                    dropped.put(u.worker().name(), "update of the wrong length, length=" + values.length
                        + ", expected=" + parameters);
                    continue;
                }
                sum.add(values, 0);
                samples += u.samples();
                in.add(u.worker().name());
            } catch (WorkerException | IllegalStateException | IllegalArgumentException e) {
                dropped.put(u.worker().name(), e.getMessage());
            } finally {
                u.update().close();
            }
        }
        return new FixedPointSum(sum.sum(), encoding, in, samples, dropped);
    }

    @Override
    public String toString() {
        return "DpFedAvg[" + name() + ", clip=" + clipNorm + ", sigma=" + noiseMultiplier + ", q=" + sampleRate()
            + ", delta=" + delta + "]";
    }

    /** The settings of DP-FedAvg. */
    public static final class Builder {
        private double clipNorm;
        private double noiseMultiplier;
        private double delta;
        private int clients;
        private int perRound;
        private int fracBits = DEFAULT_FRAC_BITS;
        private SecureSum secure;

        private Builder() {
        }

        /** C, the L2 norm each worker's update is clipped to (required, positive). */
        public Builder clipNorm(final double c) {
            if (!(c > 0) || c == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("clip norm must be a positive number, clip=" + c);
            }
            this.clipNorm = c;
            return this;
        }

        /** σ, the noise's standard deviation over C (required, positive; see {@link #noiseMultiplierFor}). */
        public Builder noiseMultiplier(final double sigma) {
            if (!(sigma > 0) || sigma == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("noise multiplier must be a positive number, sigma=" + sigma);
            }
            this.noiseMultiplier = sigma;
            return this;
        }

        /** δ, at which the privacy spent is stated (required, in (0, 1)). */
        public Builder delta(final double d) {
            if (!(d > 0 && d < 1)) {
                throw new IllegalArgumentException("delta must be in (0, 1), delta=" + d);
            }
            this.delta = d;
            return this;
        }

        /**
         * K workers in all, of which m are sampled per round ({@link FederatedAveraging#sampleSize}): q = m / K
         * (required).
         */
        public Builder workers(final int total, final int sampledPerRound) {
            if (total < 1 || sampledPerRound < 1 || sampledPerRound > total) {
                throw new IllegalArgumentException("need 1 <= workers per round <= workers, workers=" + total
                    + ", perRound=" + sampledPerRound);
            }
            this.clients = total;
            this.perRound = sampledPerRound;
            return this;
        }

        /** Fractional bits of the plain sum's grid (default {@link #DEFAULT_FRAC_BITS}; secure uses its own). */
        public Builder fracBits(final int f) {
            if (f < 8 || f > FixedPoint.MAX_FRAC_BITS) {
                throw new IllegalArgumentException("fractional bits must be in [8, " + FixedPoint.MAX_FRAC_BITS
                    + "], fracBits=" + f);
            }
            this.fracBits = f;
            return this;
        }

        /**
         * Forms the sum by secure aggregation, {@link SecureAggregation} or {@link AdditiveAggregation} (default:
         * plainly, at the coordinator).
         */
        public Builder secure(final SecureSum s) {
            this.secure = Objects.requireNonNull(s, "secure");
            return this;
        }

        /**
         * The configured aggregation.
         *
         * @throws IllegalArgumentException when a required setting is missing, or the noise is too large for the grid
         */
        public DpFedAvg build() {
            if (clipNorm == 0 || noiseMultiplier == 0 || delta == 0 || clients == 0) {
                throw new IllegalArgumentException("DP-FedAvg needs a clip norm, a noise multiplier, delta and the"
                    + " worker counts");
            }
            return new DpFedAvg(this);
        }
    }
}
