package dev.obscura.nn.io;

import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelFormatException.Reason;
import dev.obscura.nn.layers.Module;
import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Reading and writing model files: a trained model's {@link ModelData} as the versioned, checksummed bytes that
 * {@link ModelFileDescriptor} lays out and {@code docs/MODEL_FORMAT.md} specifies. {@link ModelBinding} moves the
 * data in and out of a model on any {@link TensorEngine}, so a model trained in plaintext ({@link PlainEngine})
 * runs secret-shared ({@link SecureEngine}) and the reverse; {@link #save} and {@link #load} do both steps.
 *
 * <h2>Errors</h2>
 * Reading checks the magic, the version and the declared length against the file's length before it reads the body
 * (a shorter file is {@link Reason#TRUNCATED}, naming the field that is cut and its offset; a longer one has
 * {@link Reason#TRAILING_BYTES}; one larger than the heap is {@link Reason#TOO_LARGE}), streams the body in 64 KiB
 * chunks to check its CRC32C, then parses every field and rejects NaN and infinite values. Each failure is a
 * {@link ModelFormatException} whose message names the file, the offset, the parameter and the shapes involved (the
 * strings from the file quoted) and never a parameter's value. I/O failures are {@link UncheckedIOException}s.
 *
 * <p>Writing streams too: to a temporary file beside the target, forced to disk, then moved over it.
 *
 * <p>Stateless and thread-safe.
 */
public final class ModelFile {
    /** The write buffer. */
    private static final int CHUNK = 1 << 16;

    private ModelFile() {
    }

    /**
     * Saves {@code model}'s parameters to {@code file} ({@link ModelBinding#capture(Module, TensorEngine)} then
     * {@link #write}); with a {@link SecureEngine} this reveals the weights to every party.
     */
    public static <T> void save(final Module<T> model, final TensorEngine<T> engine, final Path file) {
        write(ModelBinding.capture(model, engine), file);
    }

    /** Loads {@code file} into {@code model} ({@link #read} then {@link ModelBinding#apply}). */
    public static <T> void load(final Path file, final Module<T> model, final TensorEngine<T> engine) {
        ModelBinding.apply(read(file), model, engine);
    }

    /**
     * Reads and checks {@code file} (see the class comment); memory grows with the values returned, never with a
     * length the file declares.
     *
     * @throws ModelFormatException when the file is not a valid model file or its values cannot fit the heap
     * @throws UncheckedIOException when it cannot be read
     */
    public static ModelData read(final Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return ModelFileParser.parse(ModelFileParser.Source.of(channel), UntrustedText.quote(file));
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read model file, file=" + UntrustedText.quote(file), e);
        }
    }

    /**
     * Parses and checks a model file's {@code bytes}; {@code source} names them in error messages (a path).
     *
     * @throws ModelFormatException when they are not a valid model file
     */
    public static ModelData decode(final byte[] bytes, final String source) {
        Objects.requireNonNull(bytes, "bytes");
        try {
            return ModelFileParser.parse(ModelFileParser.Source.of(bytes), UntrustedText.quote(source));
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot happen: reading an array", e);
        }
    }

    /** The file's bytes for {@code data}. */
    public static byte[] encode(final ModelData data) {
        final Encoding encoding = new Encoding(data);
        final ByteBuffer out = ByteBuffer.allocate((int) encoding.length);
        try {
            encoding.writeTo(chunk -> out.put(chunk));
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot happen: writing an array", e);
        }
        return out.array();
    }

    /**
     * Writes {@code data} to {@code file} atomically: streamed to a temporary file in the same directory, forced to
     * disk, then moved over {@code file}; a reader sees the old file or the whole new one.
     */
    public static void write(final ModelData data, final Path file) {
        final Encoding encoding = new Encoding(data);
        final Path target = file.toAbsolutePath();
        final Path dir = target.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, target.getFileName().toString() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                encoding.writeTo(chunk -> {
                    while (chunk.hasRemaining()) {
                        ch.write(chunk);
                    }
                });
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot write model file, file=" + UntrustedText.quote(target), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (final IOException e) {
                    // best effort: the temporary file is left behind, the target is untouched
                }
            }
        }
    }

    /** Where {@link Encoding#writeTo} sends each filled chunk (a flipped buffer it may consume). */
    @FunctionalInterface
    private interface Sink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    /** {@link ModelData} checked against the format's limits, with its file length, streamed in chunks. */
    private static final class Encoding {
        private final ModelData data;
        private final byte[] architecture;
        private final List<byte[]> names;
        private final long length;

        Encoding(final ModelData data) {
            this.data = Objects.requireNonNull(data, "data");
            this.architecture = data.architecture().getBytes(StandardCharsets.UTF_8);
            if (architecture.length > ModelFileDescriptor.MAX_ARCHITECTURE_LENGTH) {
                throw new IllegalArgumentException("architecture description too long, bytes=" + architecture.length
                    + ", max=" + ModelFileDescriptor.MAX_ARCHITECTURE_LENGTH);
            }
            final List<ModelData.Parameter> params = data.parameters();
            if (params.size() > ModelFileDescriptor.MAX_PARAMETERS) {
                throw new IllegalArgumentException("too many parameters, count=" + params.size() + ", max="
                    + ModelFileDescriptor.MAX_PARAMETERS);
            }
            this.names = new ArrayList<>(params.size());
            long records = 0;
            for (final ModelData.Parameter p : params) {
                final byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
                if (name.length > ModelFileDescriptor.MAX_NAME_LENGTH) {
                    throw new IllegalArgumentException("parameter name too long, parameter="
                        + UntrustedText.quote(p.name()) + ", bytes=" + name.length + ", max="
                        + ModelFileDescriptor.MAX_NAME_LENGTH);
                }
                names.add(name);
                records += ModelFileDescriptor.recordLength(name.length, p.shapeView().length, p.size());
            }
            this.length = ModelFileDescriptor.fileLength(architecture.length, records);
            if (length > ModelFileDescriptor.MAX_FILE_LENGTH) {
                throw new IllegalArgumentException("model too large for one file, bytes=" + length + ", max="
                    + ModelFileDescriptor.MAX_FILE_LENGTH);
            }
        }

        /** Streams the file's bytes to {@code sink} in chunks of at most 64 KiB, the CRC32C last. */
        void writeTo(final Sink sink) throws IOException {
            final Chunks out = new Chunks(sink);
            out.room(ModelFileDescriptor.HEADER_LENGTH + Integer.BYTES);
            out.buf.put(ModelFileDescriptor.magicBytes()).putInt(ModelFileDescriptor.VERSION).putLong(length)
                .putInt(architecture.length);
            out.bytes(architecture);
            out.room(Integer.BYTES);
            out.buf.putInt(names.size());
            final List<ModelData.Parameter> params = data.parameters();
            for (int i = 0; i < params.size(); i++) {
                final ModelData.Parameter p = params.get(i);
                out.room(Integer.BYTES);
                out.buf.putInt(names.get(i).length);
                out.bytes(names.get(i));
                final int[] shape = p.shapeView();
                out.room(Integer.BYTES * (1 + shape.length));
                out.buf.putInt(shape.length);
                for (final int d : shape) {
                    out.buf.putInt(d);
                }
                out.floats(p.valuesView());
            }
            out.flush();
            final ByteBuffer crc = ByteBuffer.allocate(ModelFileDescriptor.CHECKSUM_LENGTH)
                .order(ByteOrder.LITTLE_ENDIAN).putInt((int) out.crc.getValue());
            sink.accept(crc.flip());
        }
    }

    /** A little-endian write buffer that hands each full chunk to a sink and keeps the CRC32C of what it sent. */
    private static final class Chunks {
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private final Sink sink;

        Chunks(final Sink sink) {
            this.sink = sink;
        }

        /** Makes room for {@code bytes} (at most a chunk). */
        void room(final int bytes) throws IOException {
            if (buf.remaining() < bytes) {
                flush();
            }
        }

        void bytes(final byte[] b) throws IOException {
            int done = 0;
            while (done < b.length) {
                room(1);
                final int n = Math.min(b.length - done, buf.remaining());
                buf.put(b, done, n);
                done += n;
            }
        }

        void floats(final float[] values) throws IOException {
            int done = 0;
            while (done < values.length) {
                room(Float.BYTES);
                final int n = Math.min(values.length - done, buf.remaining() / Float.BYTES);
                buf.asFloatBuffer().put(values, done, n);
                buf.position(buf.position() + n * Float.BYTES);
                done += n;
            }
        }

        void flush() throws IOException {
            buf.flip();
            crc.update(buf.duplicate());
            sink.accept(buf);
            buf.clear();
        }
    }
}
