package dev.obscura.nn.io;

import static dev.obscura.nn.io.ModelFileDescriptor.CHECKSUM_LENGTH;
import static dev.obscura.nn.io.ModelFileDescriptor.MAGIC;
import static dev.obscura.nn.io.ModelFileDescriptor.MAGIC_LENGTH;
import static dev.obscura.nn.io.ModelFileDescriptor.MAX_ARCHITECTURE_LENGTH;
import static dev.obscura.nn.io.ModelFileDescriptor.MAX_FILE_LENGTH;
import static dev.obscura.nn.io.ModelFileDescriptor.MAX_NAME_LENGTH;
import static dev.obscura.nn.io.ModelFileDescriptor.MAX_PARAMETERS;
import static dev.obscura.nn.io.ModelFileDescriptor.MAX_RANK;
import static dev.obscura.nn.io.ModelFileDescriptor.MIN_FILE_LENGTH;
import static dev.obscura.nn.io.ModelFileDescriptor.VERSION;

import dev.obscura.nn.io.ModelFormatException.Reason;
import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads and checks a model file ({@link ModelFileDescriptor}) from positional reads, in 64 KiB chunks: the header
 * and the declared length are checked against the file's length before any of the body is read, the checksum is
 * computed in a streaming pass, and then the fields are parsed, so memory grows only with the parameter values that
 * are returned (a hostile length or a huge file costs a 64 KiB buffer, not the file's size). The checks and their
 * order are those of {@code docs/MODEL_FORMAT.md}.
 *
 * <p>Not thread-safe; one parser per read.
 */
final class ModelFileParser {
    /** The read buffer: large enough for the longest string field ({@link ModelFileDescriptor}'s maxima). */
    private static final int CHUNK = 1 << 16;

    /** Positional reads from a file or an array. */
    interface Source {
        /** The length in bytes. */
        long length() throws IOException;

        /** Reads into {@code dst} from {@code position}; the count read, or -1 at the end. */
        int read(ByteBuffer dst, long position) throws IOException;

        static Source of(final FileChannel channel) {
            return new Source() {
                @Override
                public long length() throws IOException {
                    return channel.size();
                }

                @Override
                public int read(final ByteBuffer dst, final long position) throws IOException {
                    return channel.read(dst, position);
                }
            };
        }

        static Source of(final byte[] bytes) {
            return new Source() {
                @Override
                public long length() {
                    return bytes.length;
                }

                @Override
                public int read(final ByteBuffer dst, final long position) {
                    final int n = (int) Math.min(dst.remaining(), bytes.length - position);
                    if (n <= 0) {
                        return -1;
                    }
                    dst.put(bytes, (int) position, n);
                    return n;
                }
            };
        }
    }

    private final Source src;
    /** The name of the source in messages, already quoted. */
    private final String source;
    private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    /** The offset in the file of {@code buf.position()}. */
    private long pos;
    /** Where the readable region ends. */
    private long limit;
    /** Whether running into {@link #limit} means the file is truncated (else its fields overrun the checksum). */
    private boolean endIsTruncation;

    private ModelFileParser(final Source src, final String source) {
        this.src = src;
        this.source = source;
    }

    /**
     * Parses and checks the model file that {@code src} holds; {@code source} (already quoted) names it in messages.
     *
     * @throws ModelFormatException when it is not a valid model file, or its values cannot fit this JVM's heap
     * @throws IOException          when it cannot be read
     */
    static ModelData parse(final Source src, final String source) throws IOException {
        return new ModelFileParser(src, source).parse();
    }

    private ModelData parse() throws IOException {
        final long length = src.length();
        final byte[] magic = ModelFileDescriptor.magicBytes();
        final int prefix = (int) Math.min(length, MAGIC_LENGTH);
        final ByteBuffer head = ByteBuffer.allocate(prefix);
        readFully(head, 0);
        if (!Arrays.equals(head.array(), 0, prefix, magic, 0, prefix)) {
            throw new ModelFormatException(Reason.BAD_MAGIC, "not a model file: bad magic, file=" + source
                + ", expected=" + hex(magic) + " (" + MAGIC + "), found=" + hex(head.array()));
        }
        seek(0, length, true);
        need(MAGIC_LENGTH, "magic");
        seek(MAGIC_LENGTH, length, true);
        final int version = readInt("format version");
        if (version != VERSION) {
            throw new ModelFormatException(Reason.UNSUPPORTED_VERSION, "unsupported model file version, file="
                + source + ", version=" + version + ", supported=" + VERSION);
        }
        final long declared = readLong("file length");
        if (declared < MIN_FILE_LENGTH || declared > MAX_FILE_LENGTH) {
            throw new ModelFormatException(Reason.MALFORMED, "model file declares an impossible length, file="
                + source + ", offset=" + ModelFileDescriptor.FILE_LENGTH_OFFSET + ", length=" + declared + ", min="
                + MIN_FILE_LENGTH + ", max=" + MAX_FILE_LENGTH);
        }
        if (length > declared) {
            throw new ModelFormatException(Reason.TRAILING_BYTES, "model file has trailing bytes, file=" + source
                + ", declaredLength=" + declared + ", fileLength=" + length + ", trailing=" + (length - declared)
                + ", offset=" + declared);
        }
        // The values take about as many bytes of heap as the file has: refuse before reading what cannot fit.
        final long maxHeap = Runtime.getRuntime().maxMemory();
        if (length > maxHeap) {
            throw new ModelFormatException(Reason.TOO_LARGE, "model file is larger than this JVM's heap, file="
                + source + ", fileLength=" + length + ", maxHeap=" + maxHeap + "; raise the heap limit (java -Xmx)");
        }
        final long checksumAt = ModelFileDescriptor.checksumOffset(declared);
        if (length < declared) {
            // Name the field that is cut: parse what is there; it runs into the end.
            seek(ModelFileDescriptor.HEADER_LENGTH, Math.min(length, checksumAt), true);
            parseBody();
            throw new ModelFormatException(Reason.TRUNCATED, "model file is truncated, file=" + source
                + ", expected=crc32c (4 bytes), offset=" + checksumAt + ", fileLength=" + length
                + ", declaredLength=" + declared);
        }
        final int computed = crc32c(checksumAt);
        final ByteBuffer storedBytes = ByteBuffer.allocate(CHECKSUM_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        readFully(storedBytes, checksumAt);
        final int stored = storedBytes.getInt(0);
        if (computed != stored) {
            throw new ModelFormatException(Reason.CHECKSUM_MISMATCH, "model file is corrupt: checksum mismatch, file="
                + source + ", offset=" + checksumAt + ", stored=" + String.format("0x%08x", stored) + ", computed="
                + String.format("0x%08x", computed));
        }
        seek(ModelFileDescriptor.HEADER_LENGTH, checksumAt, false);
        final ModelData data = parseBody();
        if (pos != checksumAt) {
            throw new ModelFormatException(Reason.MALFORMED, "model file has bytes between its last parameter and "
                + "its checksum, file=" + source + ", offset=" + pos + ", checksumOffset=" + checksumAt);
        }
        return data;
    }

    private ModelData parseBody() throws IOException {
        final int archLength = readInt("architecture length");
        check(archLength >= 0 && archLength <= MAX_ARCHITECTURE_LENGTH, pos - 4,
            "architecture length out of range, length=" + archLength + ", max=" + MAX_ARCHITECTURE_LENGTH);
        final String architecture = readUtf8(archLength, "architecture");
        final int count = readInt("parameter count");
        check(count >= 0 && count <= MAX_PARAMETERS, pos - 4,
            "parameter count out of range, count=" + count + ", max=" + MAX_PARAMETERS);
        final List<ModelData.Parameter> params = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            final int nameLength = readInt("name length of parameter index=" + i);
            check(nameLength >= 0 && nameLength <= MAX_NAME_LENGTH, pos - 4,
                "parameter name length out of range, index=" + i + ", length=" + nameLength + ", max="
                    + MAX_NAME_LENGTH);
            final String name = readUtf8(nameLength, "name of parameter index=" + i);
            final String quoted = UntrustedText.quote(name);
            final int rank = readInt("rank of parameter " + quoted);
            check(rank >= 1 && rank <= MAX_RANK, pos - 4,
                "parameter rank out of range, parameter=" + quoted + ", rank=" + rank + ", max=" + MAX_RANK);
            final int[] shape = new int[rank];
            long numel = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = readInt("dimension " + d + " of parameter " + quoted);
                check(shape[d] >= 1, pos - 4,
                    "parameter dimension must be positive, parameter=" + quoted + ", axis=" + d + ", size="
                        + shape[d]);
                numel *= shape[d];
                check(numel <= MAX_FILE_LENGTH / Float.BYTES, pos - 4,
                    "parameter has too many elements, parameter=" + quoted);
            }
            final String what = "values of parameter " + quoted + " (" + numel + " float32, shape="
                + Arrays.toString(shape) + ")";
            need((long) Float.BYTES * numel, what);
            final long valuesAt = pos;
            final float[] values = readFloats((int) numel, quoted);
            ModelData.requireFinite(name, values, ", file=" + source + ", offset=" + valuesAt);
            params.add(new ModelData.Parameter(name, shape, values));
        }
        return new ModelData(architecture, params);
    }

    // ------------------------------------------------------------------------------------------- reading

    /** Reads from {@code offset} up to {@code end}, where running out is truncation or an overrun of the checksum. */
    private void seek(final long offset, final long end, final boolean truncation) {
        pos = offset;
        limit = end;
        endIsTruncation = truncation;
        buf.clear().limit(0);
    }

    private void need(final long bytes, final String what) {
        if (limit - pos < bytes) {
            final long available = Math.max(0, limit - pos);
            if (endIsTruncation) {
                throw new ModelFormatException(Reason.TRUNCATED, "model file is truncated, file=" + source
                    + ", expected=" + what + " (" + bytes + " bytes), offset=" + pos + ", available=" + available);
            }
            throw new ModelFormatException(Reason.MALFORMED, "model file fields run into its checksum, file="
                + source + ", expected=" + what + " (" + bytes + " bytes), offset=" + pos + ", checksumOffset="
                + limit);
        }
    }

    private void check(final boolean ok, final long offset, final String message) {
        if (!ok) {
            throw new ModelFormatException(Reason.MALFORMED, "malformed model file: " + message + ", file=" + source
                + ", offset=" + offset);
        }
    }

    /** Makes at least {@code bytes} (at most {@link #CHUNK}, already {@link #need needed}) readable in {@link #buf}. */
    private void fill(final int bytes) throws IOException {
        if (buf.remaining() >= bytes) {
            return;
        }
        long readAt = pos + buf.remaining();
        buf.compact();
        while (buf.position() < bytes) {
            final int n = src.read(buf, readAt);
            if (n < 0) {
                // need() checked the length first; a file that shrinks while it is read ends here.
                throw new ModelFormatException(Reason.TRUNCATED, "model file ended while it was read, file=" + source
                    + ", offset=" + readAt);
            }
            readAt += n;
        }
        buf.flip();
    }

    private int readInt(final String what) throws IOException {
        need(Integer.BYTES, what);
        fill(Integer.BYTES);
        pos += Integer.BYTES;
        return buf.getInt();
    }

    private long readLong(final String what) throws IOException {
        need(Long.BYTES, what);
        fill(Long.BYTES);
        pos += Long.BYTES;
        return buf.getLong();
    }

    private String readUtf8(final int length, final String what) throws IOException {
        need(length, what);
        final long at = pos;
        final byte[] bytes = new byte[length];
        int done = 0;
        while (done < length) {
            final int n = Math.min(length - done, CHUNK);
            fill(n);
            buf.get(bytes, done, n);
            done += n;
            pos += n;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        } catch (final CharacterCodingException e) {
            throw new ModelFormatException(Reason.MALFORMED, "malformed model file: invalid UTF-8 in " + what
                + ", file=" + source + ", offset=" + at);
        }
    }

    /** {@code count} float32 values (already {@link #need needed}), read in chunks into one new array. */
    private float[] readFloats(final int count, final String parameter) throws IOException {
        final float[] values;
        try {
            values = new float[count];
        } catch (final OutOfMemoryError e) {
            // One array that does not fit: nothing was allocated, the heap is as it was; say so in one line.
            throw new ModelFormatException(Reason.TOO_LARGE, "model file parameter does not fit in this JVM's heap,"
                + " parameter=" + parameter + ", bytes=" + (long) Float.BYTES * count + ", maxHeap="
                + Runtime.getRuntime().maxMemory() + ", file=" + source + "; raise the heap limit (java -Xmx)");
        }
        int done = 0;
        while (done < count) {
            final int n = Math.min(count - done, CHUNK / Float.BYTES);
            fill(n * Float.BYTES);
            buf.asFloatBuffer().get(values, done, n);
            buf.position(buf.position() + n * Float.BYTES);
            pos += (long) n * Float.BYTES;
            done += n;
        }
        return values;
    }

    /** The CRC32C of bytes {@code [0, end)}, streamed through the buffer. */
    private int crc32c(final long end) throws IOException {
        final CRC32C crc = new CRC32C();
        long at = 0;
        while (at < end) {
            buf.clear().limit((int) Math.min(CHUNK, end - at));
            readFully(buf, at);
            buf.flip();
            at += buf.remaining();
            crc.update(buf);
        }
        buf.clear().limit(0);
        return (int) crc.getValue();
    }

    /** Fills {@code dst} from {@code position}; the length was checked first, so the end is a file that shrank. */
    private void readFully(final ByteBuffer dst, final long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            final int n = src.read(dst, at);
            if (n < 0) {
                throw new ModelFormatException(Reason.TRUNCATED, "model file ended while it was read, file=" + source
                    + ", offset=" + at);
            }
            at += n;
        }
    }

    private static String hex(final byte[] b) {
        final StringBuilder sb = new StringBuilder(2 * b.length + 2).append("0x");
        for (final byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }
}
