package dev.obscura.data;

import dev.obscura.data.MnistException.Reason;
import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads one IDX file, gzip-compressed when its name ends in {@code .gz}, in large chunks straight into the
 * destination array. Tracks how many (decompressed) bytes it has consumed so that errors can say how long the file
 * is against how long its header says it should be. Turns every {@link IOException} into an {@link MnistException}
 * naming the file.
 *
 * <p>Not thread-safe; one reader per file, closed after use.
 */
final class IdxReader implements AutoCloseable {
    /** Size of the compressed-input buffer: large chunks keep the inflater busy and the system calls few. */
    private static final int BUFFER_BYTES = 1 << 16;
    /**
     * The largest array allocated before any data has arrived: a corrupt header that claims millions of images
     * then costs at most this much before the short read is noticed. The full MNIST training set (47 MB) fits in
     * one allocation.
     */
    private static final int MAX_INITIAL_BYTES = 64 << 20;

    private final Path file;
    private final boolean gzip;
    private final InputStream in;
    private long position;

    private IdxReader(final Path file, final boolean gzip, final InputStream in) {
        this.file = file;
        this.gzip = gzip;
        this.in = in;
    }

    /**
     * Reads one split: the first {@code min(limit, count)} images and labels of a pair of files, checking both
     * headers, that the counts agree (and equal {@code expectedCount} unless it is negative), the length of each
     * file when it is read to the end, and every label read.
     */
    static MnistSplit readSplit(final String name, final Path imagesFile, final Path labelsFile,
        final int expectedCount, final int limit) {
        try (IdxReader images = open(imagesFile); IdxReader labels = open(labelsFile)) {
            final int count = images.header(IdxFormat.IMAGES_MAGIC, "image file (idx3-ubyte)");
            final int labelCount = labels.header(IdxFormat.LABELS_MAGIC, "label file (idx1-ubyte)");
            final byte[] dims = images.read(IdxFormat.IMAGES_HEADER_LENGTH - IdxFormat.ROWS_OFFSET);
            if (dims.length < IdxFormat.IMAGES_HEADER_LENGTH - IdxFormat.ROWS_OFFSET) {
                throw images.shortHeader(IdxFormat.IMAGES_HEADER_LENGTH);
            }
            final int rows = IdxFormat.intAt(dims, IdxFormat.ROWS_OFFSET - IdxFormat.ROWS_OFFSET);
            final int cols = IdxFormat.intAt(dims, IdxFormat.COLS_OFFSET - IdxFormat.ROWS_OFFSET);
            if (rows != MnistSplit.ROWS || cols != MnistSplit.COLS) {
                throw images.format("MNIST images must be " + MnistSplit.ROWS + "x" + MnistSplit.COLS
                    + ", rows=" + rows + ", cols=" + cols);
            }
            if (count > Integer.MAX_VALUE / MnistSplit.PIXELS) {
                throw images.format("MNIST image count too large for one array, count=" + count
                    + ", max=" + Integer.MAX_VALUE / MnistSplit.PIXELS);
            }
            if (count != labelCount) {
                throw images.format("MNIST image and label counts differ, images=" + count + ", labels="
                    + labelCount + ", labelsFile=" + UntrustedText.quote(labelsFile));
            }
            if (expectedCount >= 0 && count != expectedCount) {
                throw images.format("not the standard MNIST " + name + " split, expected count=" + expectedCount
                    + ", found count=" + count + "; pass a limit (Mnist.load(dir, trainLimit, testLimit)) to read "
                    + "another size");
            }

            final int n = Math.min(limit, count);
            final long imagesLength = IdxFormat.imagesFileLength(count, rows, cols);
            final byte[] pixels = images.read(n * MnistSplit.PIXELS);
            if (pixels.length < n * MnistSplit.PIXELS) {
                throw images.truncated(imagesLength, count + " images of " + rows + "x" + cols,
                    pixels.length / MnistSplit.PIXELS + " whole images");
            }
            final long labelsLength = IdxFormat.labelsFileLength(count);
            final byte[] labelBytes = labels.read(n);
            if (labelBytes.length < n) {
                throw labels.truncated(labelsLength, count + " labels", labelBytes.length + " labels");
            }
            if (n == count) {
                images.checkEnd(imagesLength, "image");
                labels.checkEnd(labelsLength, "label");
            }
            for (int i = 0; i < n; i++) {
                if ((labelBytes[i] & 0xFF) >= MnistSplit.CLASSES) {
                    throw labels.format("MNIST label out of range 0.." + (MnistSplit.CLASSES - 1) + ", index=" + i
                        + ", label=" + (labelBytes[i] & 0xFF));
                }
            }
            return new MnistSplit(name, pixels, labelBytes, 0, n);
        }
    }

    /** Opens {@code file}; a name ending in {@code .gz} is read through gzip. */
    static IdxReader open(final Path file) {
        final boolean gzip = file.getFileName().toString().endsWith(".gz");
        InputStream raw = null;
        try {
            raw = Files.newInputStream(file);
            return new IdxReader(file, gzip, gzip ? new GZIPInputStream(raw, BUFFER_BYTES) : raw);
        } catch (final NoSuchFileException e) {
            throw new MnistException(Reason.NOT_FOUND, file, "MNIST file not found, file=" + UntrustedText.quote(file),
                e);
        } catch (final IOException e) {
            closeQuietly(raw);
            throw failure(file, gzip, e);
        }
    }

    /**
     * Reads up to {@code length} bytes. The result is shorter than {@code length} only when the file ends first;
     * the caller turns that into a truncation error with the facts it knows.
     */
    byte[] read(final int length) {
        byte[] buffer = new byte[Math.min(length, MAX_INITIAL_BYTES)];
        int filled = 0;
        try {
            while (filled < length) {
                if (filled == buffer.length) {
                    buffer = Arrays.copyOf(buffer, (int) Math.min(length, 2L * buffer.length));
                }
                final int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
                position += n;
            }
        } catch (final IOException e) {
            throw failure(file, gzip, e);
        }
        return filled == buffer.length ? buffer : Arrays.copyOf(buffer, filled);
    }

    /** Reads and counts whatever is left; 0 at the end of the file. */
    long drain() {
        try {
            final long rest = in.transferTo(OutputStream.nullOutputStream());
            position += rest;
            return rest;
        } catch (final IOException e) {
            throw failure(file, gzip, e);
        }
    }

    /** Reads the magic number and the count, checks both, and returns the count. */
    private int header(final int magic, final String what) {
        final byte[] header = read(IdxFormat.ROWS_OFFSET);
        if (header.length >= IdxFormat.COUNT_OFFSET) {
            final int found = IdxFormat.intAt(header, IdxFormat.MAGIC_OFFSET);
            if (found != magic) {
                String hint = "";
                if (found == IdxFormat.LABELS_MAGIC || found == IdxFormat.IMAGES_MAGIC) {
                    hint = " (this is the other kind of IDX file; are two files swapped?)";
                } else if (found >>> 16 == IdxFormat.GZIP_MAGIC) {
                    hint = " (the data is gzip-compressed; give the file a .gz name)";
                }
                throw format("not an MNIST " + what + ": wrong magic number, expected=" + IdxFormat.hex(magic)
                    + " (" + magic + "), found=" + IdxFormat.hex(found) + " (" + found + ")" + hint);
            }
        }
        if (header.length < IdxFormat.ROWS_OFFSET) {
            throw shortHeader(magic == IdxFormat.IMAGES_MAGIC ? IdxFormat.IMAGES_HEADER_LENGTH
                : IdxFormat.LABELS_HEADER_LENGTH);
        }
        final int count = IdxFormat.intAt(header, IdxFormat.COUNT_OFFSET);
        if (count < 0) {
            throw format("negative count in MNIST header, count=" + count);
        }
        return count;
    }

    /** After the last record: anything left is trailing garbage. */
    private void checkEnd(final long expectedLength, final String record) {
        final long extra = drain();
        if (extra > 0) {
            throw format("MNIST file has trailing bytes after its last " + record + ", expected=" + expectedLength
                + " bytes, found=" + position + " bytes, extra=" + extra);
        }
    }

    private MnistException shortHeader(final int headerLength) {
        drain();
        return format("MNIST file is shorter than its header, expected at least " + headerLength
            + " bytes, found=" + position + " bytes");
    }

    /** The file ended early; {@link #position} is then its whole length. */
    private MnistException truncated(final long expectedLength, final String header, final String holds) {
        return format("MNIST file is truncated: the header says " + header + ", expected=" + expectedLength
            + " bytes, found=" + position + " bytes (" + holds + ")");
    }

    private MnistException format(final String message) {
        return new MnistException(Reason.FORMAT, file, message + ", file=" + UntrustedText.quote(file));
    }

    @Override
    public void close() {
        closeQuietly(in);
    }

    private static MnistException failure(final Path file, final boolean gzip, final IOException e) {
        if (gzip) {
            return new MnistException(Reason.CORRUPT_GZIP, file,
                "cannot decompress MNIST file, it is not gzip data or is corrupt or cut short, file="
                    + UntrustedText.quote(file) + ", cause=" + UntrustedText.quote(e), e);
        }
        return new MnistException(Reason.UNREADABLE, file, "cannot read MNIST file, file=" + UntrustedText.quote(file)
            + ", cause=" + UntrustedText.quote(e), e);
    }

    private static void closeQuietly(final InputStream stream) {
        if (stream != null) {
            try {
                stream.close();
            } catch (final IOException ignored) {
                // Nothing was written; a failed close of an input loses nothing.
            }
        }
    }
}
