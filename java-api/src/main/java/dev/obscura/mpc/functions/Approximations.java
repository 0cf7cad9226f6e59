package dev.obscura.mpc.functions;

import dev.obscura.mpc.Scope;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;

/**
 * Secure approximations of {@code e^x}, {@code 1/x} and softmax, written only against {@link SecureOps}. Inputs and
 * outputs are fixed point with the session's f fractional bits (8 to 24 are supported). The domains and error
 * bounds are stated for the default f = 16 (one ulp = 2^-16), the public constants of this class hold them, and
 * the tests check them over the whole domain. At other f (tested at 12, 20 and 24) the relative parts hold as
 * stated and the absolute parts are the same number of ulps of that f, except softmax's, which becomes
 * {@code 1.5 ulps + EXP_RELATIVE_ERROR / 2} (at f = 16 that is below 2 ulps).
 *
 * <table>
 *   <caption>Domains, error bounds (f = 16) and rounds ({@code C}: rounds of one comparison call, 7 in the
 *   additive suite)</caption>
 *   <tr><th>function</th><th>domain</th><th>error on the domain</th><th>outside</th><th>rounds</th></tr>
 *   <tr><td>{@link #exp}</td><td>{@code [-16 ln 2, 16 ln 2) ~ [-11.09, 11.09)}</td>
 *       <td>{@code 5e-6 e^x + 1 ulp}</td><td>0 below (where {@code e^x < 1 ulp}), {@code 2^16} above</td>
 *       <td>{@code C + 6} = 13</td></tr>
 *   <tr><td>{@link #reciprocal}</td><td>{@code [2^-16, 2^16)}</td><td>{@code 5e-8 / x + 1 ulp}</td>
 *       <td>clamped: {@code 2^16} for {@code x < 2^-16} (0 and negatives included), {@code 2^-16} above</td>
 *       <td>{@code C + 12} = 19</td></tr>
 *   <tr><td>{@link #softmax}</td><td>every input below 2^44 in magnitude</td><td>2 ulps per probability</td>
 *       <td>-</td><td>{@code ceil(log2 K) C + 2C + 16} = 58 for K = 10</td></tr>
 * </table>
 *
 * <h2>Range reduction by an exact thermometer</h2>
 * {@link #exp} and {@link #reciprocal} first locate the input between public thresholds with ONE batched exact
 * comparison {@code [x >= theta_j]} for all thresholds ({@code theta_j = j ln 2} for exp, {@code 2^j} for the
 * reciprocal). The bits are a thermometer code of the integer part {@code k}, so every public function of
 * {@code k} ({@code 2^k}, {@code 2^-k}, {@code k ln 2}) is a public linear combination of them: no further rounds.
 * What is left is a polynomial (exp) or a Newton iteration (reciprocal) on an interval of width {@code ln 2} or 1,
 * evaluated at 20 to 28 fractional bits (inner values are "raw" ring values whose scale this class tracks, see
 * {@link Shares}), and one product with the exact power of two. The same bits handle the inputs outside the
 * domain: below it exp's power of two is an exact shared zero and the reciprocal's input is clamped, above it both
 * are clamped, so the polynomial's value on an out-of-range argument is multiplied by an exact zero and never leaks
 * out. Nothing is ever opened. The price is bandwidth: {@code f + 17} comparisons per element for exp and
 * {@code 2 min(f, 16) + 1} for the reciprocal (33 each at f = 16), about 800 and 930 bytes per element with two
 * parties; softmax needs 22 per element for K = 10 and a handful per row (about 720 bytes per element).
 */
public final class Approximations {
    private static final double LN2 = Math.log(2.0);

    /** One ulp at the default f = 16, the unit of the absolute bounds below. */
    private static final double ULP16 = 0x1p-16;

    /** The lowest input of {@link #exp}'s domain for f = 16: {@code -f ln 2}, below which {@code e^x < 2^-f}. */
    public static final double EXP_DOMAIN_MIN = -16 * LN2;
    /**
     * The top of {@link #exp}'s domain, {@code 16 ln 2 ~ 11.09}, where {@code e^x = 2^16}; inputs at or above it
     * return exactly {@code 2^16}.
     */
    public static final double EXP_DOMAIN_MAX = 16 * LN2;
    /** Relative part of {@link #exp}'s error bound on its domain. */
    public static final double EXP_RELATIVE_ERROR = 5e-6;
    /** Absolute part of {@link #exp}'s error bound on its domain (1 ulp at f = 16: the last truncation). */
    public static final double EXP_ABSOLUTE_ERROR = ULP16;
    /**
     * The largest absolute error of {@link #exp} against {@code e^x} for any fixed-point {@code x} in
     * {@code [EXP_DOMAIN_MIN, EXP_DOMAIN_MAX]} (near the top, where {@code e^x} approaches 2^16):
     * {@code EXP_RELATIVE_ERROR 2^16 + EXP_ABSOLUTE_ERROR ~ 0.33}. The relative form above is the useful one. Note
     * that {@code EXP_DOMAIN_MAX} itself encodes to the grid point just below {@code 16 ln 2}, which is inside the
     * domain: its result is within this bound of {@code e^x = 65535.5}, not a saturated 2^16.
     */
    public static final double EXP_MAX_ERROR = EXP_RELATIVE_ERROR * 0x1p16 + EXP_ABSOLUTE_ERROR;

    /** The lowest input of {@link #reciprocal}'s domain for f = 16: {@code 2^-16}, one ulp. */
    public static final double RECIPROCAL_DOMAIN_MIN = 0x1p-16;
    /** The top of {@link #reciprocal}'s domain for f = 16: {@code 2^16}; from it on the result is {@code 2^-16}. */
    public static final double RECIPROCAL_DOMAIN_MAX = 0x1p16;
    /** Relative part of {@link #reciprocal}'s error bound on its domain. */
    public static final double RECIPROCAL_RELATIVE_ERROR = 5e-8;
    /** Absolute part of {@link #reciprocal}'s error bound on its domain (1 ulp at f = 16: the last truncation). */
    public static final double RECIPROCAL_ABSOLUTE_ERROR = ULP16;
    /**
     * The largest absolute error of {@link #reciprocal} anywhere on {@code [RECIPROCAL_DOMAIN_MIN,
     * RECIPROCAL_DOMAIN_MAX]} (at its bottom, where {@code 1/x = 2^16}):
     * {@code RECIPROCAL_RELATIVE_ERROR 2^16 + RECIPROCAL_ABSOLUTE_ERROR ~ 0.0033}.
     */
    public static final double RECIPROCAL_MAX_ERROR = RECIPROCAL_RELATIVE_ERROR * 0x1p16 + RECIPROCAL_ABSOLUTE_ERROR;

    /** Absolute error bound of every probability {@link #softmax} returns, for every input (2 ulps at f = 16). */
    public static final double SOFTMAX_MAX_ERROR = 2 * ULP16;
    /**
     * A spread of logits for tests: {@link #softmax}'s bound holds for every input with {@code |x| < 2^44} (the
     * row maximum is subtracted exactly first); this spread keeps the test rows far from one-hot.
     */
    public static final double SOFTMAX_INPUT_RANGE = 32;

    /** The fixed-point scales these approximations support (their inner scales are tuned for them). */
    private static final int MIN_FRAC_BITS = 8;
    private static final int MAX_FRAC_BITS = 24;

    // ---------------------------------------------------------------------------------------------- exp settings

    /** Top of exp's thermometer: inputs at or above {@code EXP_TOP ln 2} saturate to {@code 2^EXP_TOP}. */
    private static final int EXP_TOP = 16;
    /** Scale of the reduced argument {@code z} and of {@code z^2}. */
    private static final int Z_SCALE = 20;
    /** Scale of the polynomial coefficients. */
    private static final int COEF_SCALE = 20;
    /**
     * Degree-4 minimax polynomial for {@code e^z} on {@code [0, ln 2]} (Remez, relative error 2.6e-6), as
     * {@code c0 + c1 z + c2 z^2 + z^2 (c3 z + c4 z^2)}: two multiplication levels.
     */
    private static final double[] EXP_POLY = {
        1.000002593370694, 0.9997931953068957, 0.5025314648822563, 0.15617901047217184, 0.05863132599470973};

    // --------------------------------------------------------------------------------------- reciprocal settings

    /** Working scale of the Newton iteration for the reciprocal of {@code m in [1, 2]}. */
    private static final int NEWTON_SCALE = 28;
    /** Working scale of the Newton iteration when it carries softmax's numerators. */
    private static final int NEWTON_SCALE_CARRIED = 27;
    /** Scale at which softmax's exponentials and their sum are computed (above f: the sum of K errors stays small). */
    private static final int SOFTMAX_EXP_SCALE = 28;

    private Approximations() {
    }

    // ------------------------------------------------------------------------------------------------------ exp

    /**
     * {@code e^x} elementwise, for {@code x} with the session's f fractional bits.
     *
     * <p><b>Domain</b> {@code [-f ln 2, 16 ln 2)}: {@code [EXP_DOMAIN_MIN, EXP_DOMAIN_MAX)}, about
     * {@code [-11.09, 11.09)}, for f = 16. <b>Error</b> on the domain, against {@code e^x} of the fixed-point input:
     * {@code |exp(x) - e^x| <= EXP_RELATIVE_ERROR e^x + EXP_ABSOLUTE_ERROR} (5e-6 relative plus 1 ulp: 2.6e-6 from
     * the polynomial, 1.9e-6 from the coefficients, {@code z} and {@code z^2} at 20 bits, 1 ulp from the last
     * truncation; measured 3.4e-6). <b>Outside</b>: 0 below the domain (within 1 ulp of {@code e^x < 2^-f}, so the
     * bound still holds) and exactly {@code 2^16} at or above its top.
     *
     * <p>Steps:
     * <ol>
     *   <li>{@code b_j = [x >= j ln 2]} for {@code j = -f .. 16} (against {@code ceil(j ln 2 2^f)}, exact for
     *       fixed-point {@code x}): one comparison call on {@code f + 17} values per element.</li>
     *   <li>Linear in the bits: {@code k = -f - 1 + sum_{j < 16} b_j}, {@code z = x - k ln 2 in [0, ln 2]} at 20
     *       fractional bits, and {@code 2^k} exactly, with {@code 2^k = 0} below the domain; above it
     *       {@code 2^k = 0} too and {@code b_16 2^16} is added at the end.</li>
     *   <li>{@code q = e^z} by a degree-4 minimax polynomial: {@code z^2} (one product), then
     *       {@code z^2 (c3 z + c4 z^2)} plus {@code c0 + c1 z + c2 z^2}, truncated once (a second product).</li>
     *   <li>{@code e^x = 2^k q}: a third product, truncated to f.</li>
     * </ol>
     * Rounds: one comparison call and three products with their truncations ({@code C + 6}, 13 in the additive
     * suite), and one truncation more when f exceeds 20.
     *
     * @throws IllegalArgumentException when {@code a} is not at the session's scale, or that scale is not 8 to 24
     */
    public static SecretTensor exp(final SecureOps ops, final SecretTensor a) {
        final int f = requireSessionScale(ops, a, "exp");
        if (a.numel() == 0) {
            return Shares.copy(ops, a, f, a.shape());
        }
        try (Scope s = ops.scope()) {
            return s.keep(Shares.copy(ops, expRaw(ops, a, -f, EXP_TOP - 1, true, f), f, a.shape()));
        }
    }

    /**
     * {@code e^x} as a flat raw value at scale {@code outScale}, for {@code x} at scale {@code x.fracBits()},
     * with thresholds {@code j ln 2} for {@code j = kmin .. kmax} (and {@code kmax + 1} when {@code top}: then
     * inputs at or above {@code (kmax + 1) ln 2} give {@code 2^(kmax+1)}). Inputs below {@code kmin ln 2} give 0.
     * Without {@code top} the caller guarantees {@code x < (kmax + 1) ln 2}.
     */
    static SecretTensor expRaw(final SecureOps ops, final SecretTensor x, final int kmin, final int kmax,
                               final boolean top, final int outScale) {
        final int f = x.fracBits();
        final int n = Math.toIntExact(x.numel());
        final int rows = kmax - kmin + 1;
        final int t = rows + (top ? 1 : 0);
        // z is formed at scale zs >= f (x is exact there), then truncated to Z_SCALE if f is larger.
        final int zs = Math.max(f, Z_SCALE);
        // 2^k is formed exactly at scale s2 >= -kmin; q = e^z <= 2 at scale sp; their product, 2^(kmax+1) at most
        // at scale s2 + sp, must stay below 2^62 before its truncation.
        final int s2 = Math.max(f, -kmin);
        final int sp = Math.min(30, 61 - s2 - Math.max(kmax + 1, 0));
        if (kmax + s2 > 60 || sp < 1 || s2 + sp < outScale) {
            throw new IllegalArgumentException("exp range not supported at this scale, fracBits=" + f + ", kmin="
                + kmin + ", kmax=" + kmax + ", outScale=" + outScale);
        }
        final long[] negTheta = new long[t];
        final long[] pow2 = new long[t];
        final long[] lnSteps = new long[t];
        for (int r = 0; r < t; r++) {
            final int j = kmin + r;
            // x >= j ln 2 exactly for x on the grid: z = x - k ln 2 lies in [0, ln 2 + 2^-f)
            negTheta[r] = -(long) Math.ceil(Math.scalb(j * LN2, f));
            if (r < rows) {
                // 2^k = 2^kmin b_kmin + sum_{j > kmin} 2^(j-1) b_j (a telescoping sum over the thermometer)
                pow2[r] = 1L << (r == 0 ? j + s2 : j - 1 + s2);
                lnSteps[r] = lnTwoMultiple(j, zs) - lnTwoMultiple(j - 1, zs);
            } else {
                // saturation: all bits set, 2^kmax cancelled, 2^(kmax+1) added after the product
                pow2[r] = -(1L << (kmax + s2));
            }
        }
        try (Scope s = ops.scope(); RingTensor thresholds = RingTensor.of(negTheta, t, 1)) {
            final SecretTensor bits = ops.reluDerivative(ops.addPublic(Shares.view(x, 0, 1, n), thresholds));
            final SecretTensor twoToK = Shares.weightedRowSum(ops, bits, pow2, n);
            final SecretTensor kLn2 = Shares.weightedRowSum(ops, bits, lnSteps, n);
            final SecretTensor zDiff = ops.sub(ops.mulInteger(Shares.view(x, 0, n), 1L << (zs - f)), kLn2);
            final SecretTensor zFull = Shares.addScalar(ops, zDiff, -lnTwoMultiple(kmin - 1, zs));
            final SecretTensor z = zs == Z_SCALE ? zFull : Shares.truncate(ops, zFull, zs - Z_SCALE);
            final int a = Z_SCALE;
            final int p = COEF_SCALE;
            final SecretTensor z2 = Shares.truncate(ops, Shares.mulRaw(ops, z, z), a);
            final SecretTensor h = ops.add(ops.mulInteger(z, coefficient(3, p)), ops.mulInteger(z2, coefficient(4, p)));
            final SecretTensor high = Shares.mulRaw(ops, z2, h);
            final SecretTensor sum = ops.add(ops.add(high, ops.mulInteger(z, coefficient(1, p) << a)),
                ops.mulInteger(z2, coefficient(2, p) << a));
            final SecretTensor q = Shares.truncate(ops, Shares.addScalar(ops, sum, coefficient(0, 2 * a + p)),
                2 * a + p - sp);
            final SecretTensor out = Shares.truncate(ops, Shares.mulRaw(ops, twoToK, q), s2 + sp - outScale);
            if (!top) {
                return s.keep(out);
            }
            return s.keep(ops.add(out, ops.mulInteger(Shares.row(bits, t - 1, n, 0), 1L << (kmax + 1 + outScale))));
        }
    }

    // ----------------------------------------------------------------------------------------------- reciprocal

    /**
     * {@code 1 / x} elementwise, for {@code x} with the session's f fractional bits.
     *
     * <p><b>Domain</b> {@code [2^-d, 2^d)} with {@code d = min(f, 16)}: {@code [RECIPROCAL_DOMAIN_MIN,
     * RECIPROCAL_DOMAIN_MAX)} = {@code [2^-16, 2^16)} for f = 16, every positive input below 2^16. <b>Error</b> on
     * the domain: {@code |reciprocal(x) - 1/x| <= RECIPROCAL_RELATIVE_ERROR / x + RECIPROCAL_ABSOLUTE_ERROR}
     * (5e-8 relative plus 1 ulp: {@code 2^-32} from the iteration, about {@code 6 2^-28} from its truncations,
     * 1 ulp from the last one; measured 8.6e-9). <b>Outside</b> the input is clamped into the domain:
     * {@code x < 2^-d}, 0 and negative inputs included, gives {@code 2^d}; {@code x >= 2^d} gives {@code 2^-d}.
     *
     * <p>Steps:
     * <ol>
     *   <li>{@code b_j = [x >= 2^j]} for {@code j = -d .. d}: one comparison call on {@code 2d + 1} values per
     *       element. Linear in the bits: {@code W = 2^-k} for {@code x in [2^k, 2^(k+1))}.</li>
     *   <li>{@code m = x W in [1, 2)} (one product; clamped inputs get {@code m = 1} or {@code 2}, linearly).</li>
     *   <li>Newton's iteration for {@code 1/m} in product form from {@code y0 = (45 - 15 m) / 32}, whose relative
     *       error {@code e = 1 - m y0} is at most 1/16: {@code y = y0 (1 + e)(1 + e^2)(1 + e^4)} has relative
     *       error {@code e^8 <= 2^-32}; the squarings run beside the products, so {@code e} and three levels.</li>
     *   <li>{@code 1/x = W y}: a last product, truncated to f.</li>
     * </ol>
     * Rounds: one comparison call and six products with their truncations ({@code C + 12}, 19 in the additive
     * suite).
     *
     * @throws IllegalArgumentException when {@code a} is not at the session's scale, or that scale is not 8 to 24
     */
    public static SecretTensor reciprocal(final SecureOps ops, final SecretTensor a) {
        final int f = requireSessionScale(ops, a, "reciprocal");
        final int d = Math.min(f, 16);
        if (a.numel() == 0) {
            return Shares.copy(ops, a, f, a.shape());
        }
        try (Scope s = ops.scope()) {
            final SecretTensor raw = reciprocalRaw(ops, Shares.view(a, f, Math.toIntExact(a.numel())), -d, d - 1,
                true, null, 1, f);
            return s.keep(Shares.copy(ops, raw, f, a.shape()));
        }
    }

    /**
     * The reciprocal of the flat {@code x} (at scale {@code x.fracBits()}), domain {@code [2^jmin, 2^(jmax+1))}
     * (clamped below; clamped above when {@code top}, else the caller guarantees {@code x < 2^(jmax+1)}). Without
     * {@code num} it returns {@code 1/x} at {@code outScale}; with {@code num} ({@code [n * k]} at the same scale
     * as {@code x}, each {@code num[i, :] <= x[i]}) it returns {@code num[i, c] / x[i]} at {@code outScale}, with
     * the numerators carried through the iteration (two rounds fewer than a separate product).
     */
    static SecretTensor reciprocalRaw(final SecureOps ops, final SecretTensor x, final int jmin, final int jmax,
                                      final boolean top, final SecretTensor num, final int k, final int outScale) {
        final int in = x.fracBits();
        final int n = Math.toIntExact(x.numel());
        final boolean carried = num != null;
        final int nScale = carried ? NEWTON_SCALE_CARRIED : NEWTON_SCALE;
        // W = 2^-k at scale sw: exact (sw >= jmax), x W < 2 below 2^61, and (uncarried) W y < 2^(-jmin) too.
        final int sw = carried ? 60 - in : Math.min(60 - in, 61 - nScale + jmin);
        final int t = jmax - jmin + 1 + (top ? 1 : 0);
        if (jmin + in < 0 || jmax + 1 + in > 61 || sw < jmax || sw - jmin > 62 || in + sw - nScale < 1
            || (carried ? 2 * nScale : sw + nScale) < outScale) {
            throw new IllegalArgumentException("reciprocal range not supported at this scale, fracBits=" + in
                + ", jmin=" + jmin + ", jmax=" + jmax + ", outScale=" + outScale);
        }
        final long[] negThresholds = new long[t];
        final long[] w = new long[t];
        final long[] wClamped = new long[t];
        for (int r = 0; r < t; r++) {
            final int j = jmin + r;
            negThresholds[r] = -(1L << (j + in));
            if (r == 0) {
                // W = 2^-jmin b_jmin - sum_{j > jmin} 2^-j b_j; W'' adds (1 - b_jmin) 2^-jmin: the lower clamp
                w[r] = 1L << (-jmin + sw);
                wClamped[r] = 0;
            } else if (r <= jmax - jmin) {
                w[r] = -(1L << (-j + sw));
                wClamped[r] = w[r];
            } else {
                // top: W = 0 (so m = 0 + 2), W'' = 2^-jmax: the upper clamp gives 2^-jmax / 2
                w[r] = -(1L << (-jmax + sw));
                wClamped[r] = 0;
            }
        }
        final int mShift = in + sw - nScale;
        final long one = 1L << nScale;
        try (Scope s = ops.scope(); RingTensor thresholds = RingTensor.of(negThresholds, t, 1)) {
            final SecretTensor bits = ops.reluDerivative(ops.addPublic(Shares.view(x, 0, 1, n), thresholds));
            final SecretTensor scale = Shares.weightedRowSum(ops, bits, w, n);
            final SecretTensor clamped = Shares.addScalar(ops, Shares.weightedRowSum(ops, bits, wClamped, n),
                1L << (-jmin + sw));
            // level 1: m = x W at scale N (and, carried, v = num W'' at scale N)
            final SecretTensor lhs1 = carried ? Shares.concat(ops, 0, Shares.view(x, 0, n), num) : Shares.view(x, 0, n);
            final SecretTensor rhs1 = carried ? Shares.concat(ops, 0, scale, Shares.repeat(ops, clamped, k))
                : Shares.view(scale, 0, n);
            final SecretTensor level1 = Shares.truncate(ops, Shares.mulRaw(ops, lhs1, rhs1), mShift);
            // m' = m + (1 - b_jmin) + 2 b_top: 1 below the domain, 2 above it
            final SecretTensor m1 = ops.add(Shares.flat(level1, 0, n, 0),
                ops.mulInteger(Shares.row(bits, 0, n, 0), -one));
            final SecretTensor m2 = Shares.addScalar(ops, m1, one);
            final SecretTensor m = top ? ops.add(m2, ops.mulInteger(Shares.row(bits, t - 1, n, 0), 2 * one)) : m2;
            // y0 = (45 - 15 m) / 32, at scale N + 5 exactly
            final SecretTensor y0 = Shares.addScalar(ops, ops.mulInteger(m, -15), 45 * one);
            // level 2, in its own scope (its operands go when it is done): e = 1 - m y0 = (32 - 45 m + 15 m^2) / 32,
            // and (carried) Y0 = v y0
            final SecretTensor level2;
            try (Scope l2 = ops.scope()) {
                final SecretTensor v = carried ? Shares.flat(level1, n, n + (long) n * k, 0) : null;
                final SecretTensor lhs2 = carried ? Shares.concat(ops, 0, m, v) : Shares.view(m, 0, n);
                final SecretTensor rhs2 = carried ? Shares.concat(ops, 0, m, Shares.repeat(ops, y0, k))
                    : Shares.view(m, 0, n);
                final SecretTensor prod2 = Shares.mulRaw(ops, lhs2, rhs2);
                final SecretTensor eSum = ops.add(ops.mulInteger(Shares.flat(prod2, 0, n, 0), 15),
                    ops.mulInteger(m, -45L << nScale));
                final SecretTensor eRaw = Shares.addScalar(ops, eSum, 1L << (2 * nScale + 5));
                final SecretTensor both = carried
                    ? Shares.concat(ops, 0, eRaw, Shares.flat(prod2, n, n + (long) n * k, 0))
                    : Shares.view(eRaw, 0, n);
                level2 = l2.keep(Shares.truncate(ops, both, nScale + 5));
            }
            final SecretTensor e = Shares.flat(level2, 0, n, 0);
            final SecretTensor y = carried ? Shares.flat(level2, n, n + (long) n * k, 0) : y0;
            // levels 3 to 5: y (1 + e)(1 + e^2)(1 + e^4), squaring beside the products
            final int width = carried ? k : 1;
            // uncarried, y0 sits at scale N + 5: scale e^2 up by 32 so that one truncation serves both
            final SecretTensor level3 = newtonLevel(ops, e, carried ? 1 : 32, y, width, nScale,
                carried ? nScale : nScale + 5, true);
            final SecretTensor level4 = newtonLevel(ops, Shares.flat(level3, 0, n, 0), 1,
                Shares.flat(level3, n, level3.numel(), 0), width, nScale, nScale, true);
            final SecretTensor y2 = Shares.flat(level4, n, level4.numel(), 0);
            final SecretTensor e4 = Shares.flat(level4, 0, n, 0);
            if (carried) {
                // Y2 at scale N times (1 + e^4) at scale N, straight to outScale
                return s.keep(newtonLevel(ops, e4, 1, y2, width, nScale, 2 * nScale - outScale, false));
            }
            final SecretTensor y3 = newtonLevel(ops, e4, 1, y2, width, nScale, nScale, false);
            return s.keep(Shares.truncate(ops, Shares.mulRaw(ops, clamped, y3), sw + nScale - outScale));
        }
    }

    /**
     * One Newton level: {@code [squareFactor e^2 | y (1 + e)]} (the square only when {@code square}), with
     * {@code (1 + e)} repeated {@code width} times to match {@code y}, in one multiplication and one truncation by
     * {@code shift}.
     */
    private static SecretTensor newtonLevel(final SecureOps ops, final SecretTensor e, final long squareFactor,
                                            final SecretTensor y, final int width, final int scale, final int shift,
                                            final boolean square) {
        try (Scope s = ops.scope()) {
            final SecretTensor onePlusE = Shares.addScalar(ops, e, 1L << scale);
            final SecretTensor factor = width == 1 ? onePlusE : Shares.repeat(ops, onePlusE, width);
            final SecretTensor lhs = square ? Shares.concat(ops, 0, ops.mulInteger(e, squareFactor), y)
                : Shares.concat(ops, 0, y);
            final SecretTensor rhs = square ? Shares.concat(ops, 0, e, factor) : Shares.concat(ops, 0, factor);
            return s.keep(Shares.truncate(ops, Shares.mulRaw(ops, lhs, rhs), shift));
        }
    }

    // -------------------------------------------------------------------------------------------------- softmax

    /**
     * Softmax along the last axis of {@code x} (the session's f fractional bits; same shape out).
     *
     * <p><b>Domain</b>: every input whose values lie below 2^44 in magnitude (the row maximum is subtracted exactly
     * first, so the exponentials lie in {@code (0, 1]}). <b>Error</b>: every probability is within
     * {@code SOFTMAX_MAX_ERROR} (2 ulps) of the exact softmax of the fixed-point input: 1 ulp from the last
     * truncation, below 0.3 ulp from exp's relative error (which mostly cancels in {@code e_i / S}), below 0.25 ulp
     * from exponentials cut to 0, and the rest negligible because the exponentials, their sum and the Newton
     * iteration run at 27 to 28 fractional bits (measured: below 1 ulp). Rows sum to 1 within {@code K} ulps.
     *
     * <p>Steps, for {@code K} classes:
     * <ol>
     *   <li>The row maximum by a knockout of {@link Pooling#max}: {@code ceil(log2 K)} levels of one batched
     *       ReLU call ({@code C} rounds) each.</li>
     *   <li>{@code e_i = exp(x_i - max)} as {@link #exp}, but on {@code [-(f + 2 + ceil(log2 K)) ln 2, 0]} only
     *       ({@code f + 2 + ceil(log2 K)} comparisons per element, 22 for K = 10 at f = 16: exponentials below the
     *       cut-off miss less than a quarter ulp together) and at 28 fractional bits; {@code C + 6} rounds.</li>
     *   <li>{@code S = sum e_i in [1, K]} (local), and {@code 1/S} as {@link #reciprocal} on
     *       {@code [1, 2^(floor(log2 K) + 1))} ({@code floor(log2 K) + 1} comparisons per row), with the row's
     *       {@code e_i} carried through the Newton iteration so that its last level gives {@code e_i / S}
     *       directly: {@code C + 10} rounds.</li>
     * </ol>
     * Rounds: {@code ceil(log2 K) C + (C + 6) + (C + 10)}, 58 for K = 10 in the additive suite.
     *
     * @throws IllegalArgumentException when {@code x} is not at the session's scale, that scale is not 8 to 24, or
     *                                  the last axis is empty
     */
    public static SecretTensor softmax(final SecureOps ops, final SecretTensor x) {
        final int f = requireSessionScale(ops, x, "softmax");
        final int[] shape = x.shape();
        if (shape.length == 0 || shape[shape.length - 1] == 0) {
            throw new IllegalArgumentException("softmax needs a non-empty last axis, shape=" + Shapes.toString(shape));
        }
        final int k = shape[shape.length - 1];
        final int rows = Math.toIntExact(x.numel() / k);
        if (rows == 0) {
            return Shares.copy(ops, x, f, shape);
        }
        final int jmax = 31 - Integer.numberOfLeadingZeros(k);
        // Exponentials below 2^expFloor become 0: all K of them together miss less than 2^-(f+2), a quarter ulp.
        final int expFloor = -(f + 2 + (32 - Integer.numberOfLeadingZeros(k - 1)));
        try (Scope s = ops.scope()) {
            final SecretTensor max = Pooling.maxAlongLastAxis(ops, x);
            final SecretTensor shifted = ops.sub(Shares.view(x, f, rows, k), Shares.view(max, f, rows, 1));
            final SecretTensor e = expRaw(ops, shifted, expFloor, -1, false, SOFTMAX_EXP_SCALE);
            final SecretTensor sum = ops.sum(Shares.view(e, 0, rows, k), 1);
            final SecretTensor p = reciprocalRaw(ops, Shares.relabel(sum, SOFTMAX_EXP_SCALE), 0, jmax, false, e, k, f);
            return s.keep(Shares.copy(ops, p, f, shape));
        }
    }

    // -------------------------------------------------------------------------------------------------- helpers

    /** {@code round(j ln 2 2^scale)}. */
    private static long lnTwoMultiple(final int j, final int scale) {
        return Math.round(Math.scalb(j * LN2, scale));
    }

    /** Coefficient {@code i} of the exp polynomial at {@code scale} fractional bits. */
    private static long coefficient(final int i, final int scale) {
        return Math.round(Math.scalb(EXP_POLY[i], scale));
    }

    private static int requireSessionScale(final SecureOps ops, final SecretTensor a, final String op) {
        final int f = ops.session().fixedPoint().fracBits();
        if (a.fracBits() != f) {
            throw new IllegalArgumentException(op + " needs the session's fixed point, fracBits=" + a.fracBits()
                + ", session fracBits=" + f);
        }
        if (f < MIN_FRAC_BITS || f > MAX_FRAC_BITS) {
            throw new IllegalArgumentException(op + " supports " + MIN_FRAC_BITS + " to " + MAX_FRAC_BITS
                + " fractional bits, fracBits=" + f);
        }
        return f;
    }
}
