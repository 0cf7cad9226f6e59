package dev.obscura.data;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The MNIST files could not be found or read, or they are not valid IDX files. The message states the facts as
 * {@code key=value} (the file, what was expected, what was found) and, for missing files, where to put them.
 */
public final class MnistException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why loading failed. */
    public enum Reason {
        /** The directory or one of the four files is missing. */
        NOT_FOUND,
        /** A file is not a valid MNIST IDX file: magic number, counts, dimensions, size or a label value. */
        FORMAT,
        /** A {@code .gz} file is not gzip data, or its compressed data is corrupt or cut short. */
        CORRUPT_GZIP,
        /** The operating system could not read a file (permissions, I/O error). */
        UNREADABLE
    }

    private final Reason reason;
    private final transient Path file;

    public MnistException(final Reason reason, final Path file, final String message) {
        super(message);
        this.reason = reason;
        this.file = file;
    }

    public MnistException(final Reason reason, final Path file, final String message, final Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.file = file;
    }

    /** Why loading failed. */
    public Reason reason() {
        return reason;
    }

    /** The file (or, for {@link Reason#NOT_FOUND}, the directory) the failure is about, when there is one. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
