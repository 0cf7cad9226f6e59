package dev.obscura.nn.io;

import java.util.Objects;

/**
 * A model file ({@link ModelFile}) that cannot be read, or that does not fit the model it is loaded into
 * ({@link ModelBinding}). The message states what is wrong as {@code key=value} facts (file, offset, parameter name
 * and index, expected and found shapes, checksums), with every string taken from the file quoted
 * ({@code dev.obscura.text.UntrustedText}), and never a parameter's value; {@link #reason()} tells the cases apart
 * programmatically.
 */
public final class ModelFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong. */
    public enum Reason {
        /** The file does not start with {@link ModelFileDescriptor#MAGIC}: not a model file. */
        BAD_MAGIC,
        /** The format version is not one this code reads. */
        UNSUPPORTED_VERSION,
        /** The file ends before the length its header declares (or before the header itself). */
        TRUNCATED,
        /** The file is longer than the length its header declares. */
        TRAILING_BYTES,
        /** The CRC32C stored at the end does not match the bytes before it: the file is corrupt. */
        CHECKSUM_MISMATCH,
        /** A field holds an impossible value (negative length, rank out of range, ...) or the layout is inconsistent. */
        MALFORMED,
        /** A parameter value is NaN or infinite. */
        NON_FINITE_VALUE,
        /** The file has a different number of parameters than the model. */
        PARAMETER_COUNT_MISMATCH,
        /** A parameter of the file has another name than the model's parameter at the same position. */
        PARAMETER_NAME_MISMATCH,
        /** A parameter of the file has another shape than the model's parameter of the same name. */
        SHAPE_MISMATCH,
        /** The parameters match but the architecture descriptions differ (for example other stateless layers). */
        ARCHITECTURE_MISMATCH,
        /**
         * A parameter value is finite but the engine cannot hold it (for example it lies outside the fixed-point
         * range of a secure engine).
         */
        VALUE_OUT_OF_RANGE,
        /**
         * The file is well formed as far as was read, but its values cannot fit in this JVM's heap (the file is longer
         * than the heap's limit, or one parameter's array cannot be allocated): nothing was loaded.
         */
        TOO_LARGE
    }

    private final Reason reason;

    /** An exception for {@code reason} with a message of {@code key=value} facts. */
    public ModelFormatException(final Reason reason, final String message) {
        super(Objects.requireNonNull(message, "message"));
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** What is wrong. */
    public Reason reason() {
        return reason;
    }
}
