package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.ring.RingTensor;

/**
 * The plaintext twin of an operation for checked mode ({@link OperationCheck}): the map that the operation computes
 * on the values themselves (not on shares), run by a {@link Backend} in Z_2^64, with what it takes to recompute its
 * result exactly in the integers: its degree (1: linear in its operands, 2: bilinear in two) and the most terms
 * that one element of its result sums. The exact integer result then satisfies
 * {@code |z| <= terms max_i max|x_i|} (linear) or {@code |z| <= terms max|x| max|y|} (bilinear), a bound that often
 * settles the range at once, and a map of either degree can be evaluated exactly on small limbs of its operands
 * (each limb product and sum then fits a {@code long}), which is how the checker recomputes what the bound does
 * not settle.
 *
 * @param degree 1 for a linear map (each operand enters once, added), 2 for a bilinear map of two operands
 * @param terms  the most terms one result element sums (at least 1)
 * @param kernel the map in the ring: {@code out = map(in...)}, {@code out} of the result's shape
 */
public record RingMap(int degree, long terms, Kernel kernel) {

    /** {@code out = map(in...)} in Z_2^64, on the backend; {@code out} has the result's shape. */
    @FunctionalInterface
    public interface Kernel {
        /** Writes the map of {@code in} into {@code out}. */
        void apply(Backend be, RingTensor[] in, RingTensor out);
    }

    /** Checks the degree and the term count. */
    public RingMap {
        if (degree < 1 || degree > 2 || terms < 1) {
            throw new IllegalArgumentException("a ring map is linear or bilinear with at least one term, degree="
                + degree + ", terms=" + terms);
        }
    }

    /** The bilinear map {@code op} of two operands. */
    public static RingMap of(final Bilinear op) {
        return new RingMap(2, op.terms(), (be, in, out) -> op.apply(be, in[0], in[1], out));
    }

    private static final RingMap PRODUCT = new RingMap(2, 1, (be, in, out) -> be.mul(in[0], in[1], out));
    private static final RingMap SUM = new RingMap(1, 2, (be, in, out) -> be.add(in[0], in[1], out));
    private static final RingMap DIFFERENCE = new RingMap(1, 2, (be, in, out) -> be.sub(in[0], in[1], out));
    private static final RingMap NEGATION = new RingMap(1, 1, (be, in, out) -> be.neg(in[0], out));

    /** The elementwise product of two operands, broadcasting ({@link Backend#mul}). */
    public static RingMap product() {
        return PRODUCT;
    }

    /** The sum of two operands, broadcasting. */
    public static RingMap sum() {
        return SUM;
    }

    /** The difference of two operands, broadcasting. */
    public static RingMap difference() {
        return DIFFERENCE;
    }

    /** The negation of one operand. */
    public static RingMap negation() {
        return NEGATION;
    }

    /** The sum of one operand over {@code axis}, which has {@code length} elements. */
    public static RingMap sumOver(final int axis, final int length) {
        return new RingMap(1, Math.max(1, length), (be, in, out) -> be.sum(in[0], axis, out));
    }
}
