package dev.obscura.protocols;

import dev.obscura.mpc.functions.Approximations;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The error bound of every secure operation, as numbers, which {@link SuiteConformance} checks on fresh random
 * inputs and on edge values. {@code ulp} is one unit in the last place of the result, {@code 2^-f} (f = 16 by
 * default, so 1 ulp = 2^-16 ~ 1.53e-5).
 *
 * <p>Two columns, because two different things can go wrong:
 * <ul>
 *   <li><b>protocol</b> ({@link #PROTOCOL_ULPS}): the error against exact arithmetic on the fixed-point values the
 *       operation was given, checked on the opened ring values. This is what a suite controls. The only source of
 *       error is a truncation, and an exact truncation returns {@code floor(x / 2^k)} or one more: the harness
 *       checks {@code result - floor(x / 2^k)} is 0 or +1, which is stronger than "within 1 ulp".</li>
 *   <li><b>end to end</b>: the error against plaintext {@code double} math on the raw inputs, adding the encoding
 *       of each input (round to nearest: at most ulp/2) as it propagates through the operation.</li>
 * </ul>
 *
 * <table>
 *   <caption>Error bounds (K = number of products summed into one output element)</caption>
 *   <tr><th>operation</th><th>protocol</th><th>end to end</th></tr>
 *   <tr><td>input, constant, reveal</td><td>0</td><td>0.5 ulp</td></tr>
 *   <tr><td>inputRing, open</td><td>0 (bit exact)</td><td>-</td></tr>
 *   <tr><td>add, sub, addPublic</td><td>0 (bit exact, wrapping)</td><td>1 ulp</td></tr>
 *   <tr><td>neg</td><td>0</td><td>0.5 ulp</td></tr>
 *   <tr><td>mulInteger by k</td><td>0</td><td>|k| * 0.5 ulp</td></tr>
 *   <tr><td>sum over an axis of length L</td><td>0</td><td>L * 0.5 ulp</td></tr>
 *   <tr><td>mul, mulPublic (K = 1), matmul, matmulPublic (K = inner dimension), conv2d (K = C kH kW),
 *       conv2dBackwardInput (K &lt;= O kH kW), conv2dBackwardWeight (K = N outH outW), product of two fixed-point
 *       values</td>
 *       <td>1 ulp: {@code result - floor(exact / 2^f)} in {0, 1}</td>
 *       <td>{@code 1 ulp + sum over the K terms of (|a| + |b|) * ulp/2 + K * ulp^2/4}
 *           &lt;= {@code 1 ulp + K (|a|max + |b|max + ulp/2) ulp/2}</td></tr>
 *   <tr><td>the same products with an integer (0 fractional bits) operand</td><td>0 (no truncation)</td>
 *       <td>-</td></tr>
 *   <tr><td>truncate by k</td><td>1 ulp: {@code result - floor(x / 2^k)} in {0, 1}, for every |x| &lt; 2^62,
 *       zero failures</td><td>-</td></tr>
 *   <tr><td>lessThanZero, reluDerivative, relu, where, max, maxPool2d, argmax</td><td>0 (exact)</td>
 *       <td>relu, max, maxPool2d: 0.5 ulp</td></tr>
 *   <tr><td>exp on [-16 ln 2, 16 ln 2)</td><td colspan="2">{@code EXP_RELATIVE_ERROR e^x + EXP_ABSOLUTE_ERROR};
 *       below the domain the bound still holds, at or above it the result is exactly 2^16</td></tr>
 *   <tr><td>reciprocal on [2^-16, 2^16)</td><td colspan="2">{@code RECIPROCAL_RELATIVE_ERROR / x
 *       + RECIPROCAL_ABSOLUTE_ERROR}; outside, the input is clamped into the domain</td></tr>
 *   <tr><td>softmax, every input</td><td colspan="2">{@code SOFTMAX_MAX_ERROR} absolute on every
 *       probability</td></tr>
 * </table>
 * The numbers of the last three rows are published by {@link Approximations} (relative and absolute parts, domains)
 * and read from there, never copied; they are errors against the exact function of the encoded input.
 *
 * <table>
 *   <caption>Approximations: the constants the harness uses</caption>
 *   <tr><th>operation</th><th>bound</th></tr>
 *   <tr><td>exp</td><td>{@link Approximations#EXP_RELATIVE_ERROR} e^x + {@link Approximations#EXP_ABSOLUTE_ERROR}
 *       on [{@link Approximations#EXP_DOMAIN_MIN}, {@link Approximations#EXP_DOMAIN_MAX})</td></tr>
 *   <tr><td>reciprocal</td><td>{@link Approximations#RECIPROCAL_RELATIVE_ERROR} / x
 *       + {@link Approximations#RECIPROCAL_ABSOLUTE_ERROR} on [{@link Approximations#RECIPROCAL_DOMAIN_MIN},
 *       {@link Approximations#RECIPROCAL_DOMAIN_MAX})</td></tr>
 *   <tr><td>softmax</td><td>{@link Approximations#SOFTMAX_MAX_ERROR}</td></tr>
 * </table>
 *
 * <p>Why a product has no more error than one truncation: a Beaver product is exact in the ring (the parties' shares
 * of {@code op(x, y)} add up to it exactly, with {@code 2f} fractional bits), and the one truncation that rescales it
 * to {@code f} is the only rounding. A matrix product of K terms is therefore still within 1 ulp of the exact sum of
 * the K products of the encoded inputs; the {@code K}-dependent part of the end-to-end bound is the inputs' own
 * rounding ({@code |ab - a'b'| <= |a| |b - b'| + |b'| |a - a'| <= (|a| + |b| + ulp/2) ulp/2}), which no protocol can
 * remove. Every product must stay below 2^62 in magnitude at 2f fractional bits, which limits fixed-point factors
 * to about {@code |a b| < 2^(62 - 2f)} (2^30 with f = 16).
 */
public final class ErrorBounds {
    /** Bit-exact. */
    public static final double EXACT = 0;
    /** Fixed-point encoding rounds to nearest: {@code |x - decode(encode(x))| <= ulp/2}. */
    public static final double INPUT_ROUNDING_ULPS = 0.5;
    /** One exact truncation: {@code result - floor(x / 2^k)} is 0 or 1, so the error is below 1 ulp. */
    public static final double TRUNCATION_ULPS = 1;
    /**
     * Relative slack for the double reference's own rounding (its sums of products): {@code 2^-40} of the sum of
     * the products' magnitudes, far below 1 ulp for every input the harness uses.
     */
    public static final double REFERENCE_SLACK = 0x1p-40;

    /** Largest absolute error of each approximation anywhere on its domain, as {@link Approximations} states. */
    public static final Map<String, Double> APPROXIMATION_MAX_ERROR = Map.of(
        "exp", Approximations.EXP_MAX_ERROR,
        "reciprocal", Approximations.RECIPROCAL_MAX_ERROR,
        "softmax", Approximations.SOFTMAX_MAX_ERROR);

    /** The protocol column: ulps of the result against exact math on the encoded inputs, per operation. */
    public static final Map<String, Double> PROTOCOL_ULPS;

    static {
        final Map<String, Double> m = new LinkedHashMap<>();
        for (final String op : new String[] {"input", "inputRing", "constant", "open", "reveal", "revealTo", "add",
            "sub", "neg", "addPublic", "mulInteger", "sum", "lessThanZero", "relu", "reluDerivative", "where", "max",
            "maxPool2d", "argmax"}) {
            m.put(op, EXACT);
        }
        for (final String op : new String[] {"mul", "mulPublic", "matmul", "matmulPublic", "conv2d",
            "conv2dBackwardInput", "conv2dBackwardWeight", "truncate"}) {
            m.put(op, TRUNCATION_ULPS);
        }
        PROTOCOL_ULPS = Collections.unmodifiableMap(m);
    }

    private ErrorBounds() {
    }

    /**
     * End-to-end bound of one output element of a product against double math on the raw inputs.
     *
     * @param ulp          the result's ulp
     * @param truncated    whether the product was truncated (both operands fixed point)
     * @param magnitudeSum sum over the element's K terms of {@code |a| + |b|} (raw inputs)
     * @param terms        K
     * @param absProducts  sum over the element's terms of {@code |a b|}, for the reference's own rounding
     */
    public static double product(final double ulp, final boolean truncated, final double magnitudeSum,
                                 final int terms, final double absProducts) {
        return (truncated ? TRUNCATION_ULPS * ulp : 0) + magnitudeSum * ulp / 2 + terms * ulp * ulp / 4
            + REFERENCE_SLACK * absProducts;
    }

    /** End-to-end bound of a sum or difference of {@code count} encoded inputs, each rounded by ulp/2. */
    public static double linear(final double ulp, final double count) {
        return count * INPUT_ROUNDING_ULPS * ulp;
    }
}
