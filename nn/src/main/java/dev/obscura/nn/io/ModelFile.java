package dev.obscura.nn.io;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelFormatException.Reason;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.MaxPool2d;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.zip.CRC32C;

/**
 * The model file: a trained {@link Module}'s parameters, saved from any {@link TensorEngine} and loaded into a model
 * of the same architecture on any engine, so a model trained in plaintext ({@link PlainEngine}) runs secret-shared
 * ({@link SecureEngine}) and the reverse. Specified in {@code docs/MODEL_FORMAT.md}.
 *
 * <h2>Layout (version 1)</h2>
 * Every integer and float is little-endian; strings are UTF-8, length-prefixed, not terminated; there is no
 * padding.
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
 *  +---------------------------------------------------------------+
 *  |                 Architecture (A bytes UTF-8)                ...
 *  +---------------------------------------------------------------+
 *  |                 Parameter count P (int32)                     |
 *  +---------------------------------------------------------------+
 *  |      P parameter records, in the model's parameter order    ...
 *  +---------------------------------------------------------------+  offset length - 4
 *  |    CRC32C of every byte before it, offsets [0, length - 4)    |
 *  +---------------------------------------------------------------+
 *
 *  Parameter record:
 *  +---------------------------------------------------------------+
 *  |                 Name length L in bytes (int32)                |
 *  +---------------------------------------------------------------+
 *  |                      Name (L bytes UTF-8)                   ...
 *  +---------------------------------------------------------------+
 *  |                   Rank R, 1 to 8 (int32)                      |
 *  +---------------------------------------------------------------+
 *  |              R dimensions, each at least 1 (int32)          ...
 *  +---------------------------------------------------------------+
 *  |  product(dims) values (float32, row-major), all finite      ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Names and architecture</h2>
 * A parameter's name is its {@link Variable#name()} prefixed by its layer's index in each enclosing
 * {@link Sequential} ({@code "0.conv2d.weight"}, {@code "7.linear.bias"} for {@link MnistCnn}); the architecture is
 * a description of the layers ({@code "Sequential(Conv2d(stride=1x1, padding=0x0), ReLU, MaxPool2d, ...)"}), see
 * {@link #architecture}. Loading checks, in order, the parameter count, each parameter's name and shape (by
 * position), then the architecture string.
 *
 * <h2>Errors</h2>
 * Reading checks the magic, the version, the declared length against the file's (a shorter file is
 * {@link Reason#TRUNCATED}, naming the field that is cut and its offset; a longer one has
 * {@link Reason#TRAILING_BYTES}), the CRC32C, then every field, and rejects NaN and infinite values. Each failure is a
 * {@link ModelFormatException} whose message names the file, the offset, the parameter and the shapes involved, and
 * never a parameter's value. I/O failures are {@link UncheckedIOException}s.
 *
 * <h2>Secret-shared models</h2>
 * {@link #save} and {@link #capture} read the parameters with {@link TensorEngine#toFloats}: with a
 * {@link SecureEngine} that REVEALS the weights to every party (one round per parameter), a choice that only the
 * model's owner should make. It is SPMD: every party calls {@link #capture} (the reveals are collective) and only the
 * party that keeps the file calls {@link #write}. {@link #load} and {@link #apply} share each parameter with
 * {@link TensorEngine#fromFloats}: with a {@link SecureEngine} the engine's owner provides the values and every other
 * party receives shares; a party that must not see the weights applies {@link #placeholder} (the model's names and
 * shapes with zero values, which the secure engine ignores) instead of the file.
 *
 * <p>Stateless and thread-safe; the engine and model given to each call are used as their own contracts allow (one
 * thread).
 */
public final class ModelFile {
    /** The magic at offset 0, as ASCII. */
    public static final String MAGIC = "OBSCMODL";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** Bytes before the architecture: magic, version and file length. */
    public static final int HEADER_BYTES = 20;
    /** The largest rank of a parameter. */
    public static final int MAX_RANK = 8;
    /** The longest parameter name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 1024;
    /** The longest architecture description, in UTF-8 bytes. */
    public static final int MAX_ARCHITECTURE_BYTES = 1 << 16;
    /** The most parameters in one file. */
    public static final int MAX_PARAMETERS = 1 << 16;
    /** The largest file, in bytes (it is read into one array). */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8L;

    private static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);
    private static final int CHECKSUM_BYTES = 4;
    /** Header, architecture length, parameter count and checksum: the smallest possible file. */
    private static final int MIN_FILE_BYTES = HEADER_BYTES + 4 + 4 + CHECKSUM_BYTES;

    private ModelFile() {
    }

    // ------------------------------------------------------------------------------------------- data

    /**
     * One parameter: its name, shape and row-major values. The arrays are copied in and out.
     *
     * @param name   the name (see the class comment)
     * @param shape  the shape, rank 1 to {@link #MAX_RANK}, every dimension at least 1
     * @param values the values, one per element, all finite
     */
    public record Parameter(String name, int[] shape, float[] values) {
        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException   when the shape is invalid or does not fit the values
         * @throws ModelFormatException       ({@link Reason#NON_FINITE_VALUE}) when a value is NaN or infinite
         */
        public Parameter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(values, "values");
            if (shape.length < 1 || shape.length > MAX_RANK) {
                throw new IllegalArgumentException("parameter rank must be 1 to " + MAX_RANK + ", parameter=" + name
                    + ", shape=" + Arrays.toString(shape));
            }
            long numel = 1;
            for (final int d : shape) {
                if (d < 1) {
                    throw new IllegalArgumentException("parameter dimensions must be positive, parameter=" + name
                        + ", shape=" + Arrays.toString(shape));
                }
                numel *= d;
                if (numel > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("parameter has too many elements, parameter=" + name
                        + ", shape=" + Arrays.toString(shape));
                }
            }
            if (numel != values.length) {
                throw new IllegalArgumentException("parameter needs one value per element, parameter=" + name
                    + ", shape=" + Arrays.toString(shape) + ", values=" + values.length);
            }
            requireFinite(name, values, "");
            shape = shape.clone();
            values = values.clone();
        }

        /** The shape (a copy). */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** The values (a copy). */
        @Override
        public float[] values() {
            return values.clone();
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Parameter p && name.equals(p.name) && Arrays.equals(shape, p.shape)
                && Arrays.equals(values, p.values);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
        }

        /** Name and shape, never the values. */
        @Override
        public String toString() {
            return "Parameter{name=" + name + ", shape=" + Arrays.toString(shape) + "}";
        }
    }

    /**
     * A model's contents: its architecture description and its parameters in order.
     *
     * @param architecture the description ({@link #architecture})
     * @param parameters   the parameters, in the model's order (copied)
     */
    public record ModelData(String architecture, List<Parameter> parameters) {
        /** Validates and copies the list. */
        public ModelData {
            Objects.requireNonNull(architecture, "architecture");
            parameters = List.copyOf(parameters);
        }

        /** The total number of values over all parameters. */
        public long valueCount() {
            long n = 0;
            for (final Parameter p : parameters) {
                n += p.values.length;
            }
            return n;
        }
    }

    // ------------------------------------------------------------------------------------------- model side

    /**
     * The description of {@code model}'s layers stored in (and checked against) a file: a {@link Sequential} is
     * {@code Sequential(<layer>, <layer>, ...)}, a {@link Conv2d} {@code Conv2d(stride=HxW, padding=HxW)}, any other
     * module its class's simple name. Shapes are not in it (the parameters carry them), nor the window sizes of
     * pooling layers.
     */
    public static String architecture(final Module<?> model) {
        Objects.requireNonNull(model, "model");
        if (model instanceof Sequential<?> s) {
            final StringJoiner j = new StringJoiner(", ", "Sequential(", ")");
            for (final Module<?> layer : s.layers()) {
                j.add(architecture(layer));
            }
            return j.toString();
        }
        if (model instanceof Conv2d<?> c) {
            return "Conv2d(stride=" + c.spec().strideH() + "x" + c.spec().strideW() + ", padding=" + c.spec().padH()
                + "x" + c.spec().padW() + ")";
        }
        final String simple = model.getClass().getSimpleName();
        return simple.isEmpty() ? model.getClass().getName() : simple;
    }

    /** The file names of {@code model}'s parameters, in {@link Module#parameters()} order. */
    public static List<String> parameterNames(final Module<?> model) {
        final List<String> names = new ArrayList<>();
        collectNames(Objects.requireNonNull(model, "model"), "", names);
        return List.copyOf(names);
    }

    private static void collectNames(final Module<?> model, final String prefix, final List<String> names) {
        if (model instanceof Sequential<?> s) {
            final List<? extends Module<?>> layers = s.layers();
            for (int i = 0; i < layers.size(); i++) {
                collectNames(layers.get(i), prefix + i + ".", names);
            }
        } else {
            for (final Variable<?> p : model.parameters()) {
                names.add(prefix + p.name());
            }
        }
    }

    /**
     * {@code model}'s parameters read through {@code engine} ({@link TensorEngine#toFloats}: a {@link SecureEngine}
     * reveals them to every party, collectively).
     *
     * @throws ModelFormatException ({@link Reason#NON_FINITE_VALUE}) when a parameter holds NaN or infinity
     */
    public static <T> ModelData capture(final Module<T> model, final TensorEngine<T> engine) {
        Objects.requireNonNull(engine, "engine");
        final List<String> names = parameterNames(model);
        final List<Variable<T>> vars = model.parameters();
        checkNames(names, vars);
        final List<Parameter> out = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            final T value = vars.get(i).value();
            out.add(new Parameter(names.get(i), engine.shape(value), engine.toFloats(value)));
        }
        return new ModelData(architecture(model), out);
    }

    /**
     * {@code model}'s names and shapes with zero values, without reading any value: what a party that must not see
     * the weights {@link #apply applies} while a {@link SecureEngine}'s owner applies the file.
     */
    public static <T> ModelData placeholder(final Module<T> model, final TensorEngine<T> engine) {
        Objects.requireNonNull(engine, "engine");
        final List<String> names = parameterNames(model);
        final List<Variable<T>> vars = model.parameters();
        checkNames(names, vars);
        final List<Parameter> out = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            final int[] shape = engine.shape(vars.get(i).value());
            long numel = 1;
            for (final int d : shape) {
                numel *= d;
            }
            out.add(new Parameter(names.get(i), shape, new float[Math.toIntExact(numel)]));
        }
        return new ModelData(architecture(model), out);
    }

    /**
     * Replaces {@code model}'s parameters by {@code data}'s, each shared through {@link TensorEngine#fromFloats} (the
     * old values released, gradients cleared; an optimiser's momentum is not touched). Everything is checked before
     * anything is replaced: the parameter count, then each parameter's name and shape by position, then the
     * architecture, then that the engine can hold every value.
     *
     * @throws ModelFormatException when {@code data} does not fit {@code model}
     */
    public static <T> void apply(final ModelData data, final Module<T> model, final TensorEngine<T> engine) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(engine, "engine");
        final List<String> names = parameterNames(model);
        final List<Variable<T>> vars = model.parameters();
        checkNames(names, vars);
        final List<Parameter> params = data.parameters();
        final String modelArchitecture = architecture(model);
        if (params.size() != vars.size()) {
            throw new ModelFormatException(Reason.PARAMETER_COUNT_MISMATCH,
                "model file and model have different parameter counts, file=" + params.size() + ", model="
                    + vars.size() + ", fileArchitecture=" + data.architecture() + ", modelArchitecture="
                    + modelArchitecture);
        }
        for (int i = 0; i < params.size(); i++) {
            final Parameter p = params.get(i);
            if (!p.name().equals(names.get(i))) {
                throw new ModelFormatException(Reason.PARAMETER_NAME_MISMATCH,
                    "model file and model have different parameters, index=" + i + ", fileParameter=" + p.name()
                        + ", modelParameter=" + names.get(i));
            }
            final int[] expected = engine.shape(vars.get(i).value());
            if (!Arrays.equals(expected, p.shape)) {
                throw new ModelFormatException(Reason.SHAPE_MISMATCH,
                    "model file parameter has the wrong shape, parameter=" + p.name() + ", index=" + i
                        + ", expected=" + Arrays.toString(expected) + ", found=" + Arrays.toString(p.shape));
            }
        }
        if (!modelArchitecture.equals(data.architecture())) {
            throw new ModelFormatException(Reason.ARCHITECTURE_MISMATCH,
                "model file and model have different architectures, file=" + data.architecture() + ", model="
                    + modelArchitecture);
        }
        // Convert every parameter before replacing any, so a value the engine cannot hold leaves the model as it was.
        final List<T> values = new ArrayList<>(params.size());
        for (final Parameter p : params) {
            try {
                values.add(engine.fromFloats(p.values, p.shape));
            } catch (final IllegalArgumentException e) {
                values.forEach(engine::release);
                throw new ModelFormatException(Reason.VALUE_OUT_OF_RANGE,
                    "model file parameter cannot be represented by this engine, parameter=" + p.name() + ": "
                        + e.getMessage());
            }
        }
        for (int i = 0; i < params.size(); i++) {
            final Variable<T> v = vars.get(i);
            v.zeroGrad(engine);
            v.assign(engine, values.get(i));
        }
    }

    private static <T> void checkNames(final List<String> names, final List<Variable<T>> vars) {
        if (names.size() != vars.size()) {
            throw new IllegalStateException("the model's parameters() disagree with its layers' parameters, layers="
                + names.size() + ", parameters=" + vars.size());
        }
    }

    // ------------------------------------------------------------------------------------------- files

    /**
     * Saves {@code model}'s parameters to {@code file} ({@link #capture} then {@link #write}); with a
     * {@link SecureEngine} this reveals the weights (see the class comment).
     */
    public static <T> void save(final Module<T> model, final TensorEngine<T> engine, final Path file) {
        write(capture(model, engine), file);
    }

    /** Loads {@code file} into {@code model} ({@link #read} then {@link #apply}). */
    public static <T> void load(final Path file, final Module<T> model, final TensorEngine<T> engine) {
        apply(read(file), model, engine);
    }

    /**
     * Writes {@code data} to {@code file} atomically: to a temporary file in the same directory, forced to disk,
     * then moved over {@code file}; a reader sees the old file or the whole new one.
     */
    public static void write(final ModelData data, final Path file) {
        final byte[] bytes = encode(data);
        final Path target = file.toAbsolutePath();
        final Path dir = target.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, target.getFileName().toString() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                final ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot write model file, file=" + target, e);
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

    /**
     * Reads and checks {@code file} (see the class comment).
     *
     * @throws ModelFormatException when the file is not a valid model file
     * @throws UncheckedIOException when it cannot be read
     */
    public static ModelData read(final Path file) {
        final byte[] bytes;
        try {
            final long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ModelFormatException(Reason.MALFORMED, "model file is too large, file=" + file
                    + ", bytes=" + size + ", max=" + MAX_FILE_BYTES);
            }
            bytes = Files.readAllBytes(file);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read model file, file=" + file, e);
        }
        return decode(bytes, file.toString());
    }

    /** The file's bytes for {@code data}. */
    public static byte[] encode(final ModelData data) {
        Objects.requireNonNull(data, "data");
        final byte[] arch = data.architecture().getBytes(StandardCharsets.UTF_8);
        if (arch.length > MAX_ARCHITECTURE_BYTES) {
            throw new IllegalArgumentException("architecture description too long, bytes=" + arch.length + ", max="
                + MAX_ARCHITECTURE_BYTES);
        }
        final List<Parameter> params = data.parameters();
        if (params.size() > MAX_PARAMETERS) {
            throw new IllegalArgumentException("too many parameters, count=" + params.size() + ", max="
                + MAX_PARAMETERS);
        }
        final List<byte[]> names = new ArrayList<>(params.size());
        long length = HEADER_BYTES + 4L + arch.length + 4L + CHECKSUM_BYTES;
        for (final Parameter p : params) {
            final byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
            if (name.length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("parameter name too long, parameter=" + p.name() + ", bytes="
                    + name.length + ", max=" + MAX_NAME_BYTES);
            }
            names.add(name);
            length += 4L + name.length + 4L + 4L * p.shape.length + 4L * p.values.length;
        }
        if (length > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("model too large for one file, bytes=" + length + ", max="
                + MAX_FILE_BYTES);
        }
        final ByteBuffer buf = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC_BYTES).putInt(VERSION).putLong(length);
        buf.putInt(arch.length).put(arch);
        buf.putInt(params.size());
        for (int i = 0; i < params.size(); i++) {
            final Parameter p = params.get(i);
            buf.putInt(names.get(i).length).put(names.get(i));
            buf.putInt(p.shape.length);
            for (final int d : p.shape) {
                buf.putInt(d);
            }
            buf.asFloatBuffer().put(p.values);
            buf.position(buf.position() + 4 * p.values.length);
        }
        final CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /**
     * Parses and checks a model file's {@code bytes}; {@code source} names them in error messages (a path).
     *
     * @throws ModelFormatException when they are not a valid model file
     */
    public static ModelData decode(final byte[] bytes, final String source) {
        Objects.requireNonNull(bytes, "bytes");
        final ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final Reader header = new Reader(buf, source, true);
        final int prefix = Math.min(bytes.length, MAGIC_BYTES.length);
        if (!Arrays.equals(bytes, 0, prefix, MAGIC_BYTES, 0, prefix)) {
            throw new ModelFormatException(Reason.BAD_MAGIC, "not a model file: bad magic, file=" + source
                + ", expected=" + hex(MAGIC_BYTES) + " (" + MAGIC + "), found=" + hex(Arrays.copyOf(bytes, prefix)));
        }
        header.need(MAGIC_BYTES.length, "magic");
        buf.position(MAGIC_BYTES.length);
        final int version = header.readInt("format version");
        if (version != VERSION) {
            throw new ModelFormatException(Reason.UNSUPPORTED_VERSION, "unsupported model file version, file="
                + source + ", version=" + version + ", supported=" + VERSION);
        }
        final long declared = header.readLong("file length");
        if (declared < MIN_FILE_BYTES || declared > MAX_FILE_BYTES) {
            throw new ModelFormatException(Reason.MALFORMED, "model file declares an impossible length, file="
                + source + ", offset=12, length=" + declared + ", min=" + MIN_FILE_BYTES + ", max=" + MAX_FILE_BYTES);
        }
        final int checksumAt = (int) declared - CHECKSUM_BYTES;
        if (bytes.length > declared) {
            throw new ModelFormatException(Reason.TRAILING_BYTES, "model file has trailing bytes, file=" + source
                + ", declaredLength=" + declared + ", fileLength=" + bytes.length + ", trailing="
                + (bytes.length - declared) + ", offset=" + declared);
        }
        if (bytes.length < declared) {
            // Name the field that is cut: parse what is there; it runs into the end.
            buf.limit(Math.min(bytes.length, checksumAt));
            parseBody(new Reader(buf, source, true));
            throw new ModelFormatException(Reason.TRUNCATED, "model file is truncated, file=" + source
                + ", expected=crc32c (4 bytes), offset=" + checksumAt + ", fileLength=" + bytes.length
                + ", declaredLength=" + declared);
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, checksumAt);
        final int computed = (int) crc.getValue();
        final int stored = ByteBuffer.wrap(bytes, checksumAt, CHECKSUM_BYTES).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (computed != stored) {
            throw new ModelFormatException(Reason.CHECKSUM_MISMATCH, "model file is corrupt: checksum mismatch, file="
                + source + ", offset=" + checksumAt + ", stored=" + String.format("0x%08x", stored) + ", computed="
                + String.format("0x%08x", computed));
        }
        buf.limit(checksumAt);
        final ModelData data = parseBody(new Reader(buf, source, false));
        if (buf.position() != checksumAt) {
            throw new ModelFormatException(Reason.MALFORMED, "model file has bytes between its last parameter and "
                + "its checksum, file=" + source + ", offset=" + buf.position() + ", checksumOffset=" + checksumAt);
        }
        return data;
    }

    private static ModelData parseBody(final Reader r) {
        final int archLength = r.readInt("architecture length");
        r.check(archLength >= 0 && archLength <= MAX_ARCHITECTURE_BYTES, r.buf.position() - 4,
            "architecture length out of range, length=" + archLength + ", max=" + MAX_ARCHITECTURE_BYTES);
        final String architecture = r.readUtf8(archLength, "architecture");
        final int count = r.readInt("parameter count");
        r.check(count >= 0 && count <= MAX_PARAMETERS, r.buf.position() - 4,
            "parameter count out of range, count=" + count + ", max=" + MAX_PARAMETERS);
        final List<Parameter> params = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            final int nameLength = r.readInt("name length of parameter index=" + i);
            r.check(nameLength >= 0 && nameLength <= MAX_NAME_BYTES, r.buf.position() - 4,
                "parameter name length out of range, index=" + i + ", length=" + nameLength + ", max="
                    + MAX_NAME_BYTES);
            final String name = r.readUtf8(nameLength, "name of parameter index=" + i);
            final int rank = r.readInt("rank of parameter " + name);
            r.check(rank >= 1 && rank <= MAX_RANK, r.buf.position() - 4,
                "parameter rank out of range, parameter=" + name + ", rank=" + rank + ", max=" + MAX_RANK);
            final int[] shape = new int[rank];
            long numel = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = r.readInt("dimension " + d + " of parameter " + name);
                r.check(shape[d] >= 1, r.buf.position() - 4,
                    "parameter dimension must be positive, parameter=" + name + ", axis=" + d + ", size=" + shape[d]);
                numel *= shape[d];
                r.check(numel <= MAX_FILE_BYTES / 4, r.buf.position() - 4,
                    "parameter has too many elements, parameter=" + name);
            }
            final String what = "values of parameter " + name + " (" + numel + " float32, shape="
                + Arrays.toString(shape) + ")";
            r.need(4L * numel, what);
            final float[] values = new float[(int) numel];
            final int valuesAt = r.buf.position();
            r.buf.asFloatBuffer().get(values);
            r.buf.position(valuesAt + 4 * values.length);
            requireFinite(name, values, ", file=" + r.source + ", offset=" + valuesAt);
            params.add(new Parameter(name, shape, values));
        }
        return new ModelData(architecture, params);
    }

    private static void requireFinite(final String name, final float[] values, final String where) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFormatException(Reason.NON_FINITE_VALUE, "parameter holds a non-finite value, "
                    + "parameter=" + name + ", index=" + i + ", kind=" + (Float.isNaN(values[i]) ? "NaN" : "infinity")
                    + where);
            }
        }
    }

    private static String hex(final byte[] b) {
        final StringBuilder sb = new StringBuilder(2 * b.length + 2).append("0x");
        for (final byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    /**
     * Reads fields from a buffer whose limit is the end of the readable region; running past it is
     * {@link Reason#TRUNCATED} when the file is shorter than declared, {@link Reason#MALFORMED} otherwise.
     */
    private static final class Reader {
        private final ByteBuffer buf;
        private final String source;
        private final boolean endIsTruncation;

        Reader(final ByteBuffer buf, final String source, final boolean endIsTruncation) {
            this.buf = buf;
            this.source = source;
            this.endIsTruncation = endIsTruncation;
        }

        void need(final long bytes, final String what) {
            if (buf.remaining() < bytes) {
                if (endIsTruncation) {
                    throw new ModelFormatException(Reason.TRUNCATED, "model file is truncated, file=" + source
                        + ", expected=" + what + " (" + bytes + " bytes), offset=" + buf.position()
                        + ", available=" + buf.remaining());
                }
                throw new ModelFormatException(Reason.MALFORMED, "model file fields run into its checksum, file="
                    + source + ", expected=" + what + " (" + bytes + " bytes), offset=" + buf.position()
                    + ", checksumOffset=" + buf.limit());
            }
        }

        void check(final boolean ok, final int offset, final String message) {
            if (!ok) {
                throw new ModelFormatException(Reason.MALFORMED, "malformed model file: " + message + ", file="
                    + source + ", offset=" + offset);
            }
        }

        int readInt(final String what) {
            need(4, what);
            return buf.getInt();
        }

        long readLong(final String what) {
            need(8, what);
            return buf.getLong();
        }

        String readUtf8(final int length, final String what) {
            need(length, what);
            final int at = buf.position();
            final ByteBuffer slice = buf.slice(at, length);
            buf.position(at + length);
            try {
                final CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
                return chars.toString();
            } catch (final CharacterCodingException e) {
                throw new ModelFormatException(Reason.MALFORMED, "malformed model file: invalid UTF-8 in " + what
                    + ", file=" + source + ", offset=" + at);
            }
        }
    }
}
