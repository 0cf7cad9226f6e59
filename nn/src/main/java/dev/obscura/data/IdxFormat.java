package dev.obscura.data;

/**
 * The two IDX layouts MNIST uses: constants and offsets. Every integer in a header is a 32-bit signed big-endian
 * int; the data after it is unsigned bytes.
 *
 * <pre>
 * Image file (idx3-ubyte)                    Label file (idx1-ubyte)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          magic: 0x00000803 (images) / 0x00000801 (labels)     |  0
 *  +---------------------------------------------------------------+
 *  |                         count                                 |  4
 *  +---------------------------------------------------------------+
 *  |            rows = 28 (images only; labels start here)         |  8
 *  +---------------------------------------------------------------+
 *  |            cols = 28 (images only)                            | 12
 *  +---------------------------------------------------------------+
 *  |  images: count x rows x cols pixels, row by row, 0..255       | 16
 *  |  labels: count bytes, 0..9                                    |  8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The magic number's third byte is the element type (0x08, unsigned byte) and its fourth the number of
 * dimensions.
 */
final class IdxFormat {
    /** Magic number of an image file: unsigned bytes, 3 dimensions. */
    static final int IMAGES_MAGIC = 0x0000_0803;
    /** Magic number of a label file: unsigned bytes, 1 dimension. */
    static final int LABELS_MAGIC = 0x0000_0801;

    static final int MAGIC_OFFSET = 0;
    static final int COUNT_OFFSET = 4;
    static final int ROWS_OFFSET = 8;
    static final int COLS_OFFSET = 12;

    /** Bytes before the first pixel of an image file. */
    static final int IMAGES_HEADER_LENGTH = 16;
    /** Bytes before the first label of a label file. */
    static final int LABELS_HEADER_LENGTH = 8;

    /** The first two bytes of every gzip stream, read as a big-endian short; used for a hint in errors. */
    static final int GZIP_MAGIC = 0x1F8B;

    private IdxFormat() {
    }

    /** The big-endian int at {@code offset} of {@code header}. */
    static int intAt(final byte[] header, final int offset) {
        return (header[offset] & 0xFF) << 24 | (header[offset + 1] & 0xFF) << 16
            | (header[offset + 2] & 0xFF) << 8 | header[offset + 3] & 0xFF;
    }

    /** Total length in bytes of an image file holding {@code count} images of {@code rows x cols}. */
    static long imagesFileLength(final long count, final int rows, final int cols) {
        return IMAGES_HEADER_LENGTH + count * rows * cols;
    }

    /** Total length in bytes of a label file holding {@code count} labels. */
    static long labelsFileLength(final long count) {
        return LABELS_HEADER_LENGTH + count;
    }

    /** {@code value} as {@code 0x%08x}, for error messages. */
    static String hex(final int value) {
        return String.format("0x%08x", value);
    }
}
