package dev.obscura.nn.io;

import java.nio.charset.StandardCharsets;

/**
 * The layout of a model file, version 1: its constants and the offset of every field, in the manner of Agrona's
 * {@code RecordDescriptor}. Specified, with the checks a reader makes, in {@code docs/MODEL_FORMAT.md}.
 *
 * <p>Every integer and float is little-endian; strings are UTF-8, prefixed by their length in bytes, not
 * terminated; there is no padding and no alignment.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Magic "OBSCMODL" (8 ASCII bytes)             |
 *  |                                                               |
 *  +---------------------------------------------------------------+  offset 8
 *  |                    Format version (int32) = 1                 |
 *  +---------------------------------------------------------------+  offset 12
 *  |       File length in bytes, checksum included (int64)         |
 *  |                                                               |
 *  +---------------------------------------------------------------+  offset 20
 *  |               Architecture length A in bytes (int32)          |
 *  +---------------------------------------------------------------+  offset 24
 *  |                 Architecture (A bytes UTF-8)                ...
 *  +---------------------------------------------------------------+  offset 24 + A
 *  |                 Parameter count P (int32)                     |
 *  +---------------------------------------------------------------+  offset 28 + A
 *  |      P parameter records, in the model's parameter order    ...
 *  +---------------------------------------------------------------+  offset length - 4
 *  |    CRC32C of every byte before it, offsets [0, length - 4)    |
 *  +---------------------------------------------------------------+
 *
 *  Parameter record, at offset R:
 *  +---------------------------------------------------------------+  R
 *  |                 Name length L in bytes (int32)                |
 *  +---------------------------------------------------------------+  R + 4
 *  |                      Name (L bytes UTF-8)                   ...
 *  +---------------------------------------------------------------+  R + 4 + L
 *  |                   Rank D, 1 to 8 (int32)                      |
 *  +---------------------------------------------------------------+  R + 8 + L
 *  |              D dimensions, each at least 1 (int32)          ...
 *  +---------------------------------------------------------------+  R + 8 + L + 4D
 *  |  product(dims) values (float32, row-major), all finite      ...
 *  +---------------------------------------------------------------+  R + 8 + L + 4D + 4 product(dims)
 * </pre>
 */
public final class ModelFileDescriptor {
    /** The magic at offset 0, as ASCII. */
    public static final String MAGIC = "OBSCMODL";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Length of the magic in bytes. */
    public static final int MAGIC_LENGTH = 8;
    /** Offset of the format version (int32). */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the file length (int64), the checksum included. */
    public static final int FILE_LENGTH_OFFSET = 12;
    /** Bytes before the architecture length: magic, version and file length. */
    public static final int HEADER_LENGTH = 20;
    /** Offset of the architecture length (int32). */
    public static final int ARCHITECTURE_LENGTH_OFFSET = HEADER_LENGTH;
    /** Offset of the architecture's first byte. */
    public static final int ARCHITECTURE_OFFSET = ARCHITECTURE_LENGTH_OFFSET + Integer.BYTES;
    /** Length of the trailing CRC32C. */
    public static final int CHECKSUM_LENGTH = 4;
    /** The smallest possible file: header, architecture length, parameter count and checksum. */
    public static final int MIN_FILE_LENGTH = ARCHITECTURE_OFFSET + Integer.BYTES + CHECKSUM_LENGTH;
    /** The largest file, in bytes: every parameter's values must fit one Java array. */
    public static final long MAX_FILE_LENGTH = Integer.MAX_VALUE - 8L;

    /** The largest rank of a parameter. */
    public static final int MAX_RANK = 8;
    /** The longest parameter name, in UTF-8 bytes. */
    public static final int MAX_NAME_LENGTH = 1024;
    /** The longest architecture description, in UTF-8 bytes. */
    public static final int MAX_ARCHITECTURE_LENGTH = 1 << 16;
    /** The most parameters in one file. */
    public static final int MAX_PARAMETERS = 1 << 16;

    private static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);

    private ModelFileDescriptor() {
    }

    /** The magic's bytes (a copy). */
    public static byte[] magicBytes() {
        return MAGIC_BYTES.clone();
    }

    /** Offset of the parameter count, after an architecture of {@code architectureLength} bytes. */
    public static long parameterCountOffset(final int architectureLength) {
        return ARCHITECTURE_OFFSET + (long) architectureLength;
    }

    /** Offset of the first parameter record, after an architecture of {@code architectureLength} bytes. */
    public static long firstRecordOffset(final int architectureLength) {
        return parameterCountOffset(architectureLength) + Integer.BYTES;
    }

    /** Offset of the name of the record at {@code recordOffset}. */
    public static long nameOffset(final long recordOffset) {
        return recordOffset + Integer.BYTES;
    }

    /** Offset of the rank of the record at {@code recordOffset} whose name has {@code nameLength} bytes. */
    public static long rankOffset(final long recordOffset, final int nameLength) {
        return nameOffset(recordOffset) + nameLength;
    }

    /** Offset of the first dimension of the record at {@code recordOffset}. */
    public static long dimensionsOffset(final long recordOffset, final int nameLength) {
        return rankOffset(recordOffset, nameLength) + Integer.BYTES;
    }

    /** Offset of the first value of the record at {@code recordOffset} with a name and rank of these sizes. */
    public static long valuesOffset(final long recordOffset, final int nameLength, final int rank) {
        return dimensionsOffset(recordOffset, nameLength) + (long) Integer.BYTES * rank;
    }

    /** Length of a parameter record: its name, rank, dimensions and {@code elements} float32 values. */
    public static long recordLength(final int nameLength, final int rank, final long elements) {
        return valuesOffset(0, nameLength, rank) + (long) Float.BYTES * elements;
    }

    /** Length of a file with an architecture of {@code architectureLength} bytes and records of this total length. */
    public static long fileLength(final int architectureLength, final long recordsLength) {
        return firstRecordOffset(architectureLength) + recordsLength + CHECKSUM_LENGTH;
    }

    /** Offset of the checksum in a file of {@code fileLength} bytes. */
    public static long checksumOffset(final long fileLength) {
        return fileLength - CHECKSUM_LENGTH;
    }
}
