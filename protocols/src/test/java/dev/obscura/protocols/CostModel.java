package dev.obscura.protocols;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.ring.Shapes;

/**
 * The analytic communication cost of a suite's operations, which {@link SuiteConformance} compares with the
 * suite's own counters ({@link dev.obscura.mpc.CommStats}): per party and per call, the rounds, the payload bytes
 * sent to the other parties and the bytes exchanged with the dealer. A suite states its model by overriding
 * {@link SuiteConformance#costModel()}; every figure is for one call of one operation at one party.
 *
 * <p>A figure set to {@link Cost#ANY} is not checked (for example dealer bytes of a suite without a dealer).
 */
public interface CostModel {

    /**
     * Expected (or, for {@link #comparisonBudget}, maximal) counters of one call at one party.
     *
     * @param rounds      communication rounds
     * @param bytesSent   payload bytes sent to the other computing parties
     * @param dealerBytes payload bytes received from and sent to the dealer
     */
    record Cost(long rounds, long bytesSent, long dealerBytes) {
        /** Leaves a figure unchecked. */
        public static final long ANY = -1;

        /** No communication at all. */
        public static final Cost FREE = new Cost(0, 0, 0);
    }

    /**
     * A call of a bilinear operation: {@code op} is the {@link dev.obscura.mpc.SecureOps} method name ({@code mul},
     * {@code matmul}, {@code conv2d}, {@code conv2dBackwardInput}, {@code conv2dBackwardWeight}); {@code x},
     * {@code y}, {@code z} the shapes of the operands and of the result; {@code truncateBits} how many bits the
     * product is truncated by (0 when an operand is an integer).
     */
    record BilinearCall(String op, int[] x, int[] y, int[] z, boolean transX, boolean transY, Conv2dSpec spec,
                        int truncateBits) {
        public long numelX() {
            return Shapes.numel(x);
        }

        public long numelY() {
            return Shapes.numel(y);
        }

        public long numelZ() {
            return Shapes.numel(z);
        }
    }

    /** {@code input} / {@code inputRing} of {@code numel} elements owned by {@code owner}. */
    Cost input(int parties, int party, int owner, long numel);

    /** {@code open} / {@code reveal} of {@code numel} elements. */
    Cost open(int parties, int party, long numel);

    /** {@code revealTo(receiver)} of {@code numel} elements. */
    Cost revealTo(int parties, int party, int receiver, long numel);

    /** A product of two shared operands. */
    Cost bilinear(int parties, int party, BilinearCall call);

    /** {@code truncate} of {@code numel} elements by {@code bits}. */
    Cost truncate(int parties, int party, long numel, int bits);

    /**
     * {@code mulPublic} / {@code matmulPublic} with a result of {@code numelZ} elements, truncated by
     * {@code truncateBits} (0: not truncated).
     */
    Cost publicProduct(int parties, int party, long numelZ, int truncateBits);

    /**
     * Upper bounds for a comparison ({@code lessThanZero}, {@code relu}, {@code reluDerivative}) of {@code numel}
     * elements, or {@code null} when the suite states none for this party count.
     */
    default Cost comparisonBudget(final String op, final int parties, final long numel) {
        return null;
    }
}
