package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.io.ModelFileDescriptor;
import dev.obscura.nn.io.HostileModelFiles;
import dev.obscura.nn.io.ModelFormatException.Reason;
import dev.obscura.nn.io.ModelFormatException;
import dev.obscura.nn.layers.AvgPool2d;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Flatten;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.MaxPool2d;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelFile}: the round trip of {@link MnistCnn} on {@link PlainEngine}, the layout, and every error. */
class ModelFileTest {
    private static final int BATCH = 4;
    private static final List<String> MNIST_NAMES = List.of("0.conv2d.weight", "0.conv2d.bias", "3.conv2d.weight",
        "3.conv2d.bias", "7.linear.weight", "7.linear.bias", "9.linear.weight", "9.linear.bias");

    private final PlainEngine engine = new PlainEngine();

    @TempDir
    Path dir;

    private static float[] images(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] x = new float[BATCH * MnistCnn.SIZE * MnistCnn.SIZE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        return x;
    }

    private float[] logits(final Module<PlainTensor> model) {
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final PlainTensor in = engine.fromFloats(images(3), BATCH, 1, MnistCnn.SIZE, MnistCnn.SIZE);
            return engine.toFloats(model.forward(tape.input(in)).value());
        }
    }

    private static List<float[]> values(final Module<PlainTensor> model) {
        final List<float[]> out = new ArrayList<>();
        for (final Variable<PlainTensor> p : model.parameters()) {
            out.add(p.value().data().clone());
        }
        return out;
    }

    private static void assertSameValues(final List<float[]> expected, final List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
        }
    }

    private Path saved(final long seed) {
        final Path file = dir.resolve("mnist-" + seed + ".obm");
        ModelFile.save(MnistCnn.create(engine, seed), engine, file);
        return file;
    }

    /** Rewrites the CRC32C after an edit, so that the edit itself is what the reader sees. */
    private static byte[] reseal(final byte[] bytes) {
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    private static int archLength(final byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(ModelFileDescriptor.HEADER_LENGTH);
    }

    /** Offset of the first parameter's values (0.conv2d.weight, rank 4). */
    private static int firstValuesOffset(final byte[] bytes) {
        final int nameAt = ModelFileDescriptor.HEADER_LENGTH + 4 + archLength(bytes) + 4;
        final int nameLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(nameAt);
        return nameAt + 4 + nameLength + 4 + 4 * 4;
    }

    private static ModelFormatException decodeFails(final byte[] bytes, final Reason reason) {
        final ModelFormatException e = assertThrows(ModelFormatException.class,
            () -> ModelFile.decode(bytes, "model.obm"));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("file=model.obm"), e.getMessage());
        return e;
    }

    private static void assertMentions(final Exception e, final String... parts) {
        for (final String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------- round trip

    @Test
    void shouldRoundTripMnistCnnWithBitIdenticalOutputs() {
        final Sequential<PlainTensor> trained = MnistCnn.create(engine, 11);
        final Path file = dir.resolve("model.obm");
        ModelFile.save(trained, engine, file);

        final Sequential<PlainTensor> loaded = MnistCnn.create(engine, 99);
        assertNotEquals(Arrays.toString(logits(trained)), Arrays.toString(logits(loaded)));
        ModelFile.load(file, loaded, engine);

        assertSameValues(values(trained), values(loaded));
        assertArrayEquals(logits(trained), logits(loaded));
        assertEquals(ModelBinding.capture(trained, engine), ModelFile.read(file));
        assertEquals(33_542, ModelFile.read(file).valueCount());
    }

    @Test
    void shouldContinueTrainingALoadedModelExactlyAsTheOriginal() {
        final Sequential<PlainTensor> original = MnistCnn.create(engine, 12);
        final Path file = dir.resolve("model.obm");
        ModelFile.save(original, engine, file);
        final Sequential<PlainTensor> loaded = MnistCnn.create(engine, 13);
        ModelFile.load(file, loaded, engine);
        for (final Sequential<PlainTensor> model : List.of(original, loaded)) {
            final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.05f, 0.9f);
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final PlainTensor in = engine.fromFloats(images(4), BATCH, 1, MnistCnn.SIZE, MnistCnn.SIZE);
                SoftmaxCrossEntropy.of(model.forward(tape.input(in)), new int[] {1, 2, 3, 4}).backward();
                sgd.step();
            }
        }
        assertSameValues(values(original), values(loaded));
    }

    @Test
    void shouldWriteTheDocumentedLayout() throws IOException {
        final Path file = saved(1);
        final byte[] bytes = Files.readAllBytes(file);
        assertEquals(134_581, bytes.length);
        final ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final byte[] magic = new byte[8];
        buf.get(magic);
        assertEquals(ModelFileDescriptor.MAGIC, new String(magic, StandardCharsets.US_ASCII));
        assertEquals(ModelFileDescriptor.VERSION, buf.getInt());
        assertEquals(bytes.length, buf.getLong());
        final byte[] arch = new byte[buf.getInt()];
        buf.get(arch);
        assertEquals("Sequential(Conv2d(stride=1x1, padding=0x0), ReLU, MaxPool2d, Conv2d(stride=1x1, padding=0x0), "
            + "ReLU, MaxPool2d, Flatten, Linear, ReLU, Linear)", new String(arch, StandardCharsets.UTF_8));
        assertEquals(8, buf.getInt());
        final byte[] name = new byte[buf.getInt()];
        buf.get(name);
        assertEquals("0.conv2d.weight", new String(name, StandardCharsets.UTF_8));
        assertEquals(4, buf.getInt());
        assertArrayEquals(new int[] {16, 1, 5, 5}, new int[] {buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt()});
        assertEquals(MnistCnn.create(engine, 1).parameters().get(0).value().data()[0], buf.getFloat());
        assertEquals(MNIST_NAMES, ModelBinding.parameterNames(MnistCnn.create(engine, 1)));
        assertEquals(MNIST_NAMES,
            ModelFile.read(file).parameters().stream().map(ModelData.Parameter::name).toList());
    }

    /** A file written by the code before the reader streamed (commit 49f08f6): what every version 1 file looks like. */
    private static final String VERSION_1_FILE = "4f4253434d4f444c0100000090000000000000001800000053657175656e7469616c"
        + "284c696e6561722c2052654c5529020000000f000000302e6c696e6561722e7765696768740200000002000000030000000000003f"
        + "0000a0bf000040406f12833a0000e0c0000000000d000000302e6c696e6561722e6269617301000000020000000000003e000000c0"
        + "4ba6a0d3";

    @Test
    void shouldReadAndWriteFilesOfTheEarlierCodeByteForByte() throws IOException {
        final ModelData data = new ModelData("Sequential(Linear, ReLU)", List.of(
            new ModelData.Parameter("0.linear.weight", new int[] {2, 3},
                new float[] {0.5f, -1.25f, 3f, 1e-3f, -7f, 0f}),
            new ModelData.Parameter("0.linear.bias", new int[] {2}, new float[] {0.125f, -2f})));
        final byte[] earlier = java.util.HexFormat.of().parseHex(VERSION_1_FILE);
        assertArrayEquals(earlier, ModelFile.encode(data));
        final Path file = Files.write(dir.resolve("earlier.obscura"), earlier);
        assertEquals(data, ModelFile.read(file));
        ModelFile.write(data, dir.resolve("again.obscura"));
        assertArrayEquals(earlier, Files.readAllBytes(dir.resolve("again.obscura")));
    }

    @Test
    void shouldReplaceAnExistingFileAtomicallyLeavingNoTemporaryFile() throws IOException {
        final Path file = dir.resolve("model.obm");
        ModelFile.save(MnistCnn.create(engine, 1), engine, file);
        ModelFile.save(MnistCnn.create(engine, 2), engine, file);
        assertEquals(ModelBinding.capture(MnistCnn.create(engine, 2), engine), ModelFile.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    // ------------------------------------------------------------------------------------------- file errors

    @Test
    void shouldRejectABadMagic() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        bytes[3] ^= 0x20;
        assertMentions(decodeFails(bytes, Reason.BAD_MAGIC), "bad magic", "expected=0x4f4253434d4f444c");
        assertMentions(decodeFails("hello".getBytes(StandardCharsets.US_ASCII), Reason.BAD_MAGIC),
            "found=0x68656c6c6f");
        final Path text = dir.resolve("notes.txt");
        Files.writeString(text, "just some text, not a model");
        final ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.read(text));
        assertEquals(Reason.BAD_MAGIC, e.reason());
        assertMentions(e, "file=" + text);
    }

    @Test
    void shouldRejectAnUnsupportedVersion() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        assertMentions(decodeFails(reseal(bytes), Reason.UNSUPPORTED_VERSION), "version=2", "supported=1");
    }

    @Test
    void shouldNameTheCutFieldAndItsOffsetInATruncatedFile() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        assertMentions(decodeFails(Arrays.copyOf(bytes, 5), Reason.TRUNCATED), "expected=magic", "offset=0");
        assertMentions(decodeFails(Arrays.copyOf(bytes, 10), Reason.TRUNCATED), "expected=format version",
            "offset=8");
        assertMentions(decodeFails(Arrays.copyOf(bytes, 15), Reason.TRUNCATED), "expected=file length",
            "offset=12");
        assertMentions(decodeFails(Arrays.copyOf(bytes, 22), Reason.TRUNCATED), "expected=architecture length",
            "offset=20");
        final int values = firstValuesOffset(bytes);
        assertMentions(decodeFails(Arrays.copyOf(bytes, values + 100), Reason.TRUNCATED),
            "expected=values of parameter 0.conv2d.weight (400 float32, shape=[16, 1, 5, 5]) (1600 bytes)",
            "offset=" + values, "available=100");
        assertMentions(decodeFails(Arrays.copyOf(bytes, bytes.length - 2), Reason.TRUNCATED), "expected=crc32c",
            "offset=" + (bytes.length - 4));
        assertMentions(decodeFails(new byte[0], Reason.TRUNCATED), "expected=magic");
    }

    @Test
    void shouldRejectTrailingBytes() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        assertMentions(decodeFails(Arrays.copyOf(bytes, bytes.length + 3), Reason.TRAILING_BYTES), "trailing=3",
            "declaredLength=" + bytes.length, "offset=" + bytes.length);
    }

    @Test
    void shouldCatchAFlippedByteAnywhereAfterTheHeaderByItsChecksum() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        final List<Integer> offsets = new ArrayList<>();
        for (int i = ModelFileDescriptor.HEADER_LENGTH; i < 600; i++) {
            offsets.add(i);
        }
        for (int i = 600; i < bytes.length; i += 997) {
            offsets.add(i);
        }
        for (int i = bytes.length - 8; i < bytes.length; i++) {
            offsets.add(i);
        }
        for (final int at : offsets) {
            final byte[] corrupt = bytes.clone();
            corrupt[at] ^= (byte) (1 << (at % 8));
            assertMentions(decodeFails(corrupt, Reason.CHECKSUM_MISMATCH), "checksum mismatch",
                "offset=" + (bytes.length - 4), "stored=0x", "computed=0x");
        }
    }

    @Test
    void shouldNameTheParameterAndIndexOfANonFiniteValue() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        final int values = firstValuesOffset(bytes);
        final byte[] nan = bytes.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(values + 4 * 5, Float.NaN);
        assertMentions(decodeFails(reseal(nan), Reason.NON_FINITE_VALUE), "parameter=0.conv2d.weight", "index=5",
            "kind=NaN", "offset=" + values);
        final byte[] inf = bytes.clone();
        ByteBuffer.wrap(inf).order(ByteOrder.LITTLE_ENDIAN).putFloat(values + 4 * 399, Float.NEGATIVE_INFINITY);
        assertMentions(decodeFails(reseal(inf), Reason.NON_FINITE_VALUE), "parameter=0.conv2d.weight",
            "index=399", "kind=infinity");
    }

    @Test
    void shouldRejectImpossibleFieldsAsMalformed() throws IOException {
        final byte[] bytes = Files.readAllBytes(saved(1));
        final byte[] rank = bytes.clone();
        final int rankAt = firstValuesOffset(bytes) - 4 * 4 - 4;
        ByteBuffer.wrap(rank).order(ByteOrder.LITTLE_ENDIAN).putInt(rankAt, 9);
        assertMentions(decodeFails(reseal(rank), Reason.MALFORMED), "rank out of range", "parameter=0.conv2d.weight",
            "rank=9", "offset=" + rankAt);
        final byte[] length = bytes.clone();
        ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).putLong(12, 3);
        assertMentions(decodeFails(length, Reason.MALFORMED), "impossible length", "length=3");
    }

    @Test
    void shouldRefuseToSaveNonFiniteParametersAndLeaveNoFile() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 1);
        final float[] bias = model.parameters().get(3).value().data().clone();
        bias[2] = Float.POSITIVE_INFINITY;
        model.parameters().get(3).assign(engine, engine.fromFloats(bias, bias.length));
        final Path file = dir.resolve("diverged.obm");
        final ModelFormatException e = assertThrows(ModelFormatException.class,
            () -> ModelFile.save(model, engine, file));
        assertEquals(Reason.NON_FINITE_VALUE, e.reason());
        assertMentions(e, "parameter=3.conv2d.bias", "index=2", "kind=infinity");
        assertFalse(Files.exists(file));
    }

    // ------------------------------------------------------------------------------------------- hostile files

    /** Bytes this thread allocates while {@code action} runs. */
    private static long allocatedBy(final Runnable action) {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private Path sparse(final String name, final long length, final byte[] header) {
        return HostileModelFiles.sparse(dir.resolve(name), length, header);
    }

    private static byte[] header(final long declared) {
        return HostileModelFiles.header(declared);
    }

    private static final long BOUNDED_ALLOCATION = 8 << 20;

    @Test
    void shouldCheckTheHeaderAgainstTheFilesLengthBeforeReadingTheBody() throws IOException {
        // 1 GB each, sparse: reading one whole would allocate 1 GB.
        final long gigabyte = 1L << 30;
        final Path zeros = sparse("zeros.obscura", gigabyte, new byte[0]);
        final Path claimsLittle = sparse("claims-little.obscura", gigabyte, header(64));
        final Path claimsMore = sparse("claims-more.obscura", gigabyte, header(2_000_000_000L));
        final ModelFormatException[] failure = new ModelFormatException[1];
        final Runnable[] reads = {
            () -> failure[0] = assertThrows(ModelFormatException.class, () -> ModelFile.read(zeros)),
            () -> failure[0] = assertThrows(ModelFormatException.class, () -> ModelFile.read(claimsLittle)),
            () -> failure[0] = assertThrows(ModelFormatException.class, () -> ModelFile.read(claimsMore)),
        };
        final Reason[] reasons = {Reason.BAD_MAGIC, Reason.TRAILING_BYTES, Reason.TRUNCATED};
        for (int i = 0; i < reads.length; i++) {
            final long allocated = allocatedBy(reads[i]);
            assertEquals(reasons[i], failure[0].reason(), failure[0].getMessage());
            assertTrue(allocated < BOUNDED_ALLOCATION, reasons[i] + ": allocated " + allocated + " bytes");
        }
        assertMentions(failure[0], "expected=crc32c", "declaredLength=2000000000", "fileLength=" + gigabyte);
    }

    @Test
    void shouldStreamTheChecksumOfAWholeFileWithoutHoldingIt() throws IOException {
        final long length = 1L << 28;
        final Path file = sparse("big.obscura", length, header(length));
        final ModelFormatException[] failure = new ModelFormatException[1];
        final long allocated = allocatedBy(
            () -> failure[0] = assertThrows(ModelFormatException.class, () -> ModelFile.read(file)));
        // The heap of the test JVM holds 256 MB; a smaller one refuses the file before reading it.
        assertTrue(failure[0].reason() == Reason.CHECKSUM_MISMATCH || failure[0].reason() == Reason.TOO_LARGE,
            failure[0].getMessage());
        assertTrue(allocated < BOUNDED_ALLOCATION, "allocated " + allocated + " bytes");
    }

    /** No terminal control can pass: every character is printable or an escape's text. */
    private static void assertInert(final String message) {
        for (int i = 0; i < message.length(); i++) {
            final char c = message.charAt(i);
            assertFalse(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT,
                "character " + (int) c + " at " + i);
        }
    }

    private Path hostile(final String architecture, final String firstName) {
        return HostileModelFiles.withStrings(dir.resolve("hostile.obscura"), architecture, firstName);
    }

    @Test
    void shouldQuoteStringsFromTheFileInEveryMessage() {
        final String ansi = "\u001b[2J\u001b[31mSequential(Evil)\u001b[0m\n\rforged line";
        final Path colours = hostile(ansi, MNIST_NAMES.get(0));
        final ModelFormatException arch = assertThrows(ModelFormatException.class,
            () -> ModelFile.load(colours, MnistCnn.create(engine, 2), engine));
        assertEquals(Reason.ARCHITECTURE_MISMATCH, arch.reason());
        assertInert(arch.getMessage());
        assertMentions(arch, "file=\"\\u001b[2J\\u001b[31mSequential(Evil)\\u001b[0m\\n\\rforged line\"");

        // The largest architecture the format allows, 64 KiB: the message stays one short line.
        final Path huge = hostile("A".repeat(ModelFileDescriptor.MAX_ARCHITECTURE_LENGTH), MNIST_NAMES.get(0));
        final ModelFormatException long1 = assertThrows(ModelFormatException.class,
            () -> ModelFile.load(huge, MnistCnn.create(engine, 2), engine));
        assertTrue(long1.getMessage().length() < 600, long1.getMessage().length() + " chars");
        assertMentions(long1, "(65536 chars)");

        final String name = "\u202e" + "\u001b]0;title\u0007".repeat(60);
        final Path names = hostile(ModelBinding.architecture(MnistCnn.create(engine, 1)), name);
        final ModelFormatException param = assertThrows(ModelFormatException.class,
            () -> ModelFile.load(names, MnistCnn.create(engine, 2), engine));
        assertEquals(Reason.PARAMETER_NAME_MISMATCH, param.reason());
        assertInert(param.getMessage());
        assertTrue(param.getMessage().length() < 400, param.getMessage().length() + " chars");
        assertMentions(param, "fileParameter=\"\\u202e\\u001b]0;title\\u0007");
    }

    @Test
    void shouldQuoteANameInAMalformedRecord() throws IOException {
        final byte[] bytes = Files.readAllBytes(hostile("Sequential(Linear)", "bad\nname"));
        final int nameAt = ModelFileDescriptor.HEADER_LENGTH + 4 + archLength(bytes) + 4;
        final int rankAt = nameAt + 4 + "bad\nname".length();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(rankAt, 0);
        final ModelFormatException e = decodeFails(reseal(bytes), Reason.MALFORMED);
        assertMentions(e, "parameter=\"bad\\nname\"", "rank=0");
        assertInert(e.getMessage());
    }

    // ------------------------------------------------------------------------------------------- model errors

    private static <T> Sequential<T> cnn(final TensorEngine<T> e, final int hidden, final boolean maxPool,
                                         final boolean extraReluFirst) {
        final SplittableRandom random = new SplittableRandom(5);
        final List<Module<T>> layers = new ArrayList<>();
        if (extraReluFirst) {
            layers.add(new ReLU<>());
        }
        layers.add(new Conv2d<>(e, 1, 16, 5, 1, 0, random));
        layers.add(new ReLU<>());
        layers.add(maxPool ? new MaxPool2d<>(2) : new AvgPool2d<>(2));
        layers.add(new Conv2d<>(e, 16, 16, 5, 1, 0, random));
        layers.add(new ReLU<>());
        layers.add(new MaxPool2d<>(2));
        layers.add(new Flatten<>());
        layers.add(new Linear<>(e, 256, hidden, random));
        layers.add(new ReLU<>());
        layers.add(new Linear<>(e, hidden, MnistCnn.CLASSES, random));
        return new Sequential<>(layers);
    }

    private void assertLoadFails(final Module<PlainTensor> model, final Reason reason, final String... parts) {
        final Path file = saved(1);
        final List<float[]> before = values(model);
        final ModelFormatException e = assertThrows(ModelFormatException.class,
            () -> ModelFile.load(file, model, engine));
        assertEquals(reason, e.reason(), e.getMessage());
        assertMentions(e, parts);
        assertSameValues(before, values(model));
    }

    @Test
    void shouldNameTheParameterWhoseShapeDiffers() {
        assertLoadFails(cnn(engine, 50, true, false), Reason.SHAPE_MISMATCH, "parameter=7.linear.weight",
            "index=4", "expected=[50, 256]", "found=[100, 256]");
    }

    @Test
    void shouldRejectAnotherParameterCount() {
        final SplittableRandom random = new SplittableRandom(1);
        assertLoadFails(Sequential.of(new Flatten<>(), new Linear<>(engine, 784, 10, random)),
            Reason.PARAMETER_COUNT_MISMATCH, "file=8", "model=2", "modelArchitecture=\"Sequential(Flatten, Linear)\"");
    }

    @Test
    void shouldNameTheParameterWhoseNameDiffers() {
        assertLoadFails(cnn(engine, 100, true, true), Reason.PARAMETER_NAME_MISMATCH, "index=0",
            "fileParameter=0.conv2d.weight", "modelParameter=1.conv2d.weight");
    }

    @Test
    void shouldRejectAnotherArchitectureWithTheSameParameters() {
        assertLoadFails(cnn(engine, 100, false, false), Reason.ARCHITECTURE_MISMATCH, "AvgPool2d", "MaxPool2d");
    }

    @Test
    void shouldApplyAPlaceholderOfTheModelsOwnShapes() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 1);
        final ModelData placeholder = ModelBinding.placeholder(model, engine);
        assertEquals(MNIST_NAMES, placeholder.parameters().stream().map(ModelData.Parameter::name).toList());
        ModelBinding.apply(placeholder, model, engine);
        for (final float[] v : values(model)) {
            assertArrayEquals(new float[v.length], v);
        }
    }
}
