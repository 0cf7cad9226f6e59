package dev.obscura.mpc;

import dev.obscura.mpc.OperationCheck.Operand;
import dev.obscura.ring.RingTensor;

/**
 * The checked-mode hooks of one {@link SecureOps}: whether an operation is checked now, and the calls that hand it
 * to the {@link OperationCheck}, releasing the result when the check fails (so that a refused operation loses
 * nothing). Operations inside a derived function are not checked one by one (see {@link SecureOps}' Checked mode):
 * {@link #nested()} counts the derived functions running now.
 *
 * <p>Not thread-safe: it belongs to its {@link SecureOps}.
 */
final class CheckedOperations {
    /** The twin of {@code [x < 0]}: the sign bit. */
    static final RingMap.Kernel SIGN = (be, in, out) -> be.shiftRightLogical(in[0], 63, out);
    /** The twin of {@code [x >= 0] = 1 - [x < 0]}. */
    static final RingMap.Kernel NON_NEGATIVE = (be, in, out) -> {
        try (RingTensor sign = out.zerosLike(); RingTensor negated = out.zerosLike()) {
            be.shiftRightLogical(in[0], 63, sign);
            be.neg(sign, negated);
            be.addScalar(negated, 1, out);
        }
    };
    /** The twin of {@code max(x, 0) = x [x >= 0]}. */
    static final RingMap.Kernel RELU = (be, in, out) -> {
        try (RingTensor bit = out.zerosLike()) {
            NON_NEGATIVE.apply(be, in, bit);
            be.mul(in[0], bit, out);
        }
    };

    private final OperationCheck check;
    private final Nesting nesting = new Nesting();

    /** Hooks that hand operations to {@code check}; {@code null} for none (unchecked). */
    CheckedOperations(final OperationCheck check) {
        this.check = check;
    }

    /** Whether checked mode is on. */
    boolean enabled() {
        return check != null;
    }

    /** Whether the operation starting now is checked: checked mode is on and no derived function is running. */
    boolean active() {
        return check != null && nesting.depth == 0;
    }

    /** Enters a derived function, until the result is closed. */
    Nesting nested() {
        return nesting.enter();
    }

    /** A local linear operation of one or two shared operands ({@code y} may be null), without truncation. */
    SecretTensor linear(final String name, final String label, final RingMap map, final SecretTensor out,
                        final RingTensor x, final RingTensor y) {
        final Operand[] operands = y == null ? new Operand[] {Operand.share(x)}
            : new Operand[] {Operand.share(x), Operand.share(y)};
        return run(name, label, map, out.fracBits(), out.share(), 0, out, operands);
    }

    /**
     * A map of the shared {@code x} and {@code y} (shared or public): {@code exact} at {@code scale} fractional
     * bits, truncated by {@code bits} into {@code out}.
     */
    SecretTensor map(final String name, final String label, final RingMap map, final int scale,
                     final RingTensor exact, final int bits, final SecretTensor out, final RingTensor x,
                     final RingTensor y, final boolean yShared) {
        return run(name, label, map, scale, exact, bits, out, Operand.share(x), new Operand(y, yShared));
    }

    private SecretTensor run(final String name, final String label, final RingMap map, final int scale,
                             final RingTensor exact, final int bits, final SecretTensor out,
                             final Operand... operands) {
        try {
            check.map(name, label, map, scale, exact, bits, out.share(), operands);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** A truncation of {@code in} by {@code bits} into {@code out}. */
    SecretTensor truncation(final String name, final String label, final SecretTensor in, final int bits,
                            final SecretTensor out) {
        try {
            check.truncation(name, label, in.fracBits(), in.share(), bits, out.share());
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** A comparison of {@code in} into {@code out}, against {@code twin}. */
    SecretTensor comparison(final String name, final String label, final RingMap.Kernel twin, final SecretTensor in,
                            final SecretTensor out) {
        try {
            check.comparison(name, label, twin, in.share(), out.share());
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * When active: {@code x}, the input of a comparison-based function, is below 2^62 in magnitude as a ring value,
     * so that every difference of two inputs fits the ring.
     */
    void inRange(final String name, final String label, final SecretTensor x) {
        if (active()) {
            check.domain(name, label, x.share(), -(1L << 62) + 1, 1L << 62, "|x| < 2^" + (62 - x.fracBits()));
        }
    }

    /** The input of a derived function is in {@code [min, maxExclusive)} as ring values (call when active). */
    void domain(final String name, final String label, final SecretTensor x, final long min, final long maxExclusive,
                final String domain) {
        check.domain(name, label, x.share(), min, maxExclusive, domain);
    }

    /** The depth of the derived functions running now. */
    static final class Nesting implements AutoCloseable {
        private int depth;

        private Nesting enter() {
            depth++;
            return this;
        }

        @Override
        public void close() {
            depth--;
        }
    }
}
