package dev.obscura.mpc;

import dev.obscura.ring.RingTensor;
import java.util.Objects;

/**
 * Checked mode, as one party sees it: {@link SecureOps} hands it every operation it runs, with this party's shares
 * of the operands and the result, and the check compares them with the operation's plaintext twin. The check holds
 * every party's shares of the same operation at once, which only a runner whose parties share one process can
 * give: {@code LocalParties.builder().checked(true)} in {@code obscura-protocols}, for development and tests.
 *
 * <p>Each method is called by every party, in the same order (the parties' common operation sequence), after the
 * operation ran and before any of its tensors is released, and returns once all parties' shares are checked. It
 * changes nothing that the protocol sends. It throws, at every party, when the operation left its range (the
 * bounds of {@link SecureOps}' Ranges), an input left a derived function's domain, or the result differs from the
 * twin's; the message names the operation, {@code label} and the bound with its fractional bits, never a value or
 * a share.
 *
 * <p>Implementations are called from each party's thread, concurrently.
 */
public interface OperationCheck {

    /**
     * A map's result: {@code exact} (this party's share of the exact ring result, before any truncation) must be
     * {@code map(operands)} with its integer value below 2^62 in magnitude ({@code 2^(62-scale)} in real units),
     * and {@code result} must be {@code exact} truncated by {@code bits} (the floor or one more), or {@code exact}
     * itself when {@code bits} is 0.
     *
     * @param operation the operation's name ({@code "mul"}, {@code "conv2d"}, {@code "add"}, ...)
     * @param label     what the program was computing ({@link SecureOps#label()}), empty when unlabelled
     * @param map       the plaintext twin
     * @param scale     the fractional bits of {@code exact}
     * @param exact     this party's share of the untruncated result
     * @param bits      the truncation from {@code exact} to {@code result}, 0 for none
     * @param result    this party's share of the result
     * @param operands  the operands, shared or public
     */
    void map(String operation, String label, RingMap map, int scale, RingTensor exact, int bits, RingTensor result,
             Operand... operands);

    /**
     * A truncation of {@code input} (at {@code scale} fractional bits, below 2^62 in magnitude as a ring value) by
     * {@code bits}: {@code result} must be the floor of {@code input / 2^bits} or one more.
     */
    void truncation(String operation, String label, int scale, RingTensor input, int bits, RingTensor result);

    /** A comparison, exact for every ring value: {@code result} must equal {@code twin(input)}. */
    void comparison(String operation, String label, RingMap.Kernel twin, RingTensor input, RingTensor result);

    /**
     * The domain of a derived function: every element of {@code input} (a ring value) must lie in
     * {@code [min, maxExclusive)}; {@code domain} states it in real units for the message ({@code "|x| < 2^44"}).
     */
    void domain(String operation, String label, RingTensor input, long min, long maxExclusive, String domain);

    /**
     * An operand of a checked map: this party's share of a secret value, or a public value that every party
     * passes alike.
     *
     * @param tensor the share or the public value
     * @param shared whether {@code tensor} is a share
     */
    record Operand(RingTensor tensor, boolean shared) {
        /** Checks the tensor. */
        public Operand {
            Objects.requireNonNull(tensor, "tensor");
        }

        /** This party's share of a secret operand. */
        public static Operand share(final RingTensor share) {
            return new Operand(share, true);
        }

        /** A public operand, the same at every party. */
        public static Operand known(final RingTensor value) {
            return new Operand(value, false);
        }
    }
}
