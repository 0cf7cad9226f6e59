package dev.obscura.protocols.dealer;

/**
 * A preprocessing file was refused: its message names the file and what is wrong, and {@link #reason()} says which
 * check failed. Nothing of a refused file is used.
 */
public final class PreprocessingFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which check refused the file. */
    public enum Reason {
        /** Not a preprocessing file, another format version, or a section of impossible length. */
        MALFORMED,
        /** Shorter or longer than its header says: cut off in a copy, or appended to. */
        TRUNCATED,
        /** The signature does not verify, or the certificate is not the dealer's from the deployment's CA. */
        NOT_AUTHENTIC,
        /** Made for another party. */
        OTHER_PARTY,
        /** Made for another deployment (configuration digest, number of parties). */
        OTHER_CONFIGURATION,
        /** Made for another computation (another plan). */
        OTHER_COMPUTATION,
        /** Already used once (its run's randomness must never serve two computations), or another run's file. */
        OLD_RUN,
        /** The computation asked for more, or for something else, than the file holds. */
        EXHAUSTED
    }

    private final Reason reason;

    /** A refusal for {@code reason}, described by {@code message}. */
    public PreprocessingFileException(final Reason reason, final String message) {
        super(message);
        this.reason = reason;
    }

    /** A refusal for {@code reason}, described by {@code message}, caused by {@code cause}. */
    public PreprocessingFileException(final Reason reason, final String message, final Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Which check refused the file. */
    public Reason reason() {
        return reason;
    }
}
