package dev.obscura.protocols;

/**
 * Checked mode ({@link LocalParties.Builder#checked}) stopped a run: an operation left its range, an input left a
 * derived function's domain, a result differed from its plaintext twin, or the parties did not meet at the same
 * operation. Every party throws it at the same operation, so {@link PartyFailureException#getCause()} is one of
 * these. The message names the operation, the label of what the program was computing (the layer and its pass, in
 * the {@code nn} engine) and the bound with its fractional bits: facts, never a value or a share.
 */
public final class CheckedModeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why checked mode stopped. */
    public enum Reason {
        /** An operation's exact result, or a truncation's input, reached 2^62 in magnitude as a ring value. */
        RANGE,
        /** An input of a derived function (where, max, max-pooling, argmax, exp, ...) left its domain. */
        DOMAIN,
        /** A result differs from its plaintext twin: a suite computed it wrongly or a party deviated. */
        MISMATCH,
        /** The parties did not run the same operation at the same point of their common sequence. */
        DIVERGED,
        /** A party did not reach the operation within the run's time-out. */
        TIMEOUT,
        /** The check itself failed (out of memory, say); the cause says why. */
        ERROR
    }

    private final Reason reason;
    private final String operation;
    private final String label;

    /**
     * A stop for {@code reason} at {@code operation} (its name, {@code "mul"} say) while the program was computing
     * {@code label} (empty when unlabelled).
     */
    public CheckedModeException(final Reason reason, final String operation, final String label,
                                final String message, final Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.operation = operation;
        this.label = label;
    }

    /** Why checked mode stopped. */
    public Reason reason() {
        return reason;
    }

    /** The name of the operation it stopped at ({@code "mul"}, {@code "conv2d"}, ...). */
    public String operation() {
        return operation;
    }

    /** What the program was computing then ({@code "layer 3 (Conv2d), forward"}); empty when unlabelled. */
    public String label() {
        return label;
    }
}
