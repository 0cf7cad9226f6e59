package dev.obscura.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.MnistException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MnistTest {
    private static final int TRAIN = 5;
    private static final int TEST = 3;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {true, false})
    void shouldParseImagesAndLabels(final boolean gzip) {
        IdxFiles.writeSet(dir, TRAIN, TEST, gzip);
        final MnistData data = Mnist.load(dir, Mnist.ALL, Mnist.ALL);

        assertEquals(dir, data.directory());
        assertEquals(TRAIN, data.train().count());
        assertEquals(TEST, data.test().count());
        assertEquals("train", data.train().name());
        assertEquals("test", data.test().name());
        for (final MnistSplit split : new MnistSplit[] {data.train(), data.test()}) {
            final int[] labels = split.labels();
            final ByteBuffer raw = split.rawPixels();
            assertEquals(split.count() * MnistSplit.PIXELS, raw.remaining());
            assertTrue(raw.isReadOnly());
            for (int i = 0; i < split.count(); i++) {
                assertEquals(IdxFiles.label(i), split.label(i));
                assertEquals(IdxFiles.label(i), labels[i]);
                for (int k = 0; k < MnistSplit.PIXELS; k++) {
                    assertEquals(IdxFiles.pixel(i, k), raw.get(i * MnistSplit.PIXELS + k) & 0xFF);
                }
                assertEquals(IdxFiles.pixel(i, 3 * 28 + 5), split.pixel(i, 3, 5));
            }
        }
    }

    @Test
    void shouldNormaliseLikeTorchvision() {
        // ToTensor() then Normalize((0.1307,), (0.3081,)), all in float32.
        assertEquals(-0.1307 / 0.3081, MnistSplit.normalise(0), 1e-6);
        assertEquals((1 - 0.1307) / 0.3081, MnistSplit.normalise(255), 1e-6);
        assertEquals(-0.42421296f, MnistSplit.normalise(0), 1e-7f);
        assertEquals(2.8214867f, MnistSplit.normalise(255), 1e-6f);
        for (int p = 0; p < 256; p++) {
            assertEquals((p / 255f - 0.1307f) / 0.3081f, MnistSplit.normalise(p), "bit for bit, pixel=" + p);
        }
        assertThrows(IllegalArgumentException.class, () -> MnistSplit.normalise(256));

        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        final MnistSplit train = Mnist.load(dir, Mnist.ALL, Mnist.ALL).train();
        final float[] images = train.images();
        assertEquals(TRAIN * 784, images.length);
        for (int i = 0; i < TRAIN; i++) {
            for (int k = 0; k < 784; k++) {
                assertEquals(MnistSplit.normalise(IdxFiles.pixel(i, k)), images[i * 784 + k]);
            }
        }
    }

    @Test
    void shouldPreferTheGzipFileWhenBothFormsArePresent() throws IOException {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        final byte[] otherLabels = IdxFiles.labels(TRAIN);
        Arrays.fill(otherLabels, 8, otherLabels.length, (byte) 9);
        IdxFiles.write(dir, Mnist.TRAIN_LABELS, otherLabels, false);
        assertTrue(Files.exists(dir.resolve("train-labels-idx1-ubyte")));

        assertEquals(IdxFiles.label(0), Mnist.load(dir, Mnist.ALL, Mnist.ALL).train().label(0));
        Files.delete(dir.resolve(Mnist.TRAIN_LABELS));
        assertEquals(9, Mnist.load(dir, Mnist.ALL, Mnist.ALL).train().label(0), "falls back to the plain file");
    }

    @Test
    void shouldReadOnlyTheFirstImagesWithALimit() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        final MnistData data = Mnist.load(dir, 2, 0);
        assertEquals(2, data.train().count());
        assertEquals(0, data.test().count());
        assertEquals(IdxFiles.label(1), data.train().label(1));
        assertEquals(IdxFiles.pixel(1, 100), data.train().rawPixels().get(784 + 100) & 0xFF);
        assertEquals(TRAIN, Mnist.load(dir, 1000, 1000).train().count(), "a limit above the count reads all");
        assertThrows(IllegalArgumentException.class, () -> Mnist.load(dir, -1, 0));
    }

    @Test
    void shouldRequireTheStandardCountsWithoutALimit() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "expected count=60000", "found count=" + TRAIN, Mnist.TRAIN_IMAGES, "limit");
    }

    @Test
    void shouldRejectAWrongMagicNumber() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        IdxFiles.write(dir, Mnist.TEST_IMAGES, IdxFiles.images(0x0000_0802, TEST, 28, 28, TEST), true);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertEquals(dir.resolve(Mnist.TEST_IMAGES), e.file().orElseThrow());
        assertContains(e, "magic number", "expected=0x00000803 (2051)", "found=0x00000802 (2050)",
            Mnist.TEST_IMAGES);
    }

    @Test
    void shouldHintWhenImageAndLabelFilesAreSwapped() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        IdxFiles.write(dir, Mnist.TRAIN_LABELS, IdxFiles.images(TRAIN), true);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertContains(e, "expected=0x00000801 (2049)", "found=0x00000803 (2051)", "swapped",
            Mnist.TRAIN_LABELS);
    }

    @Test
    void shouldRejectWrongDimensions() {
        IdxFiles.writeSet(dir, TRAIN, TEST, false);
        IdxFiles.write(dir, Mnist.TRAIN_IMAGES,
            IdxFiles.images(IdxFormat.IMAGES_MAGIC, TRAIN, 27, 28, TRAIN), false);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "rows=27", "cols=28", "train-images-idx3-ubyte");
    }

    @Test
    void shouldRejectDifferentImageAndLabelCounts() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        IdxFiles.write(dir, Mnist.TEST_LABELS, IdxFiles.labels(TEST + 1), true);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "counts differ", "images=" + TEST, "labels=" + (TEST + 1), Mnist.TEST_IMAGES,
            Mnist.TEST_LABELS);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {true, false})
    void shouldRejectATruncatedImageFile(final boolean gzip) {
        IdxFiles.writeSet(dir, TRAIN, TEST, gzip);
        final byte[] full = IdxFiles.images(TRAIN);
        final int kept = 16 + 2 * 784 + 100;
        IdxFiles.write(dir, Mnist.TRAIN_IMAGES, Arrays.copyOf(full, kept), gzip);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "truncated", TRAIN + " images of 28x28", "expected=" + full.length + " bytes",
            "found=" + kept + " bytes", "2 whole images", "train-images-idx3-ubyte");
    }

    @Test
    void shouldRejectATruncatedLabelFileAndAShortHeader() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        IdxFiles.write(dir, Mnist.TRAIN_LABELS, IdxFiles.labels(IdxFormat.LABELS_MAGIC, TRAIN, 2), true);
        MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertContains(e, "truncated", "expected=" + (8 + TRAIN) + " bytes", "found=10 bytes", "2 labels",
            Mnist.TRAIN_LABELS);

        IdxFiles.write(dir, Mnist.TRAIN_LABELS, Arrays.copyOf(IdxFiles.labels(TRAIN), 6), true);
        e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "shorter than its header", "expected at least 8 bytes", "found=6 bytes",
            Mnist.TRAIN_LABELS);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {true, false})
    void shouldRejectTrailingBytes(final boolean gzip) {
        IdxFiles.writeSet(dir, TRAIN, TEST, gzip);
        final byte[] full = IdxFiles.images(TEST);
        IdxFiles.write(dir, Mnist.TEST_IMAGES, Arrays.copyOf(full, full.length + 3), gzip);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "trailing bytes", "expected=" + full.length + " bytes",
            "found=" + (full.length + 3) + " bytes", "extra=3", "t10k-images-idx3-ubyte");
    }

    @Test
    void shouldRejectCorruptGzip() throws IOException {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        final Path file = dir.resolve(Mnist.TRAIN_IMAGES);
        final byte[] good = Files.readAllBytes(file);

        Files.write(file, "not gzip at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertCorruptGzip(file);

        Files.write(file, Arrays.copyOf(good, good.length / 2));
        assertCorruptGzip(file);

        final byte[] badCrc = good.clone();
        badCrc[badCrc.length - 8] ^= 0x55;
        Files.write(file, badCrc);
        assertCorruptGzip(file);
    }

    @Test
    void shouldRejectALabelOutOfRange() {
        IdxFiles.writeSet(dir, TRAIN, TEST, false);
        final byte[] labels = IdxFiles.labels(TRAIN);
        labels[8 + 3] = 10;
        IdxFiles.write(dir, Mnist.TRAIN_LABELS, labels, false);
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.FORMAT, e.reason());
        assertContains(e, "label out of range 0..9", "index=3", "label=10", "train-labels-idx1-ubyte");

        labels[8 + 3] = (byte) 200;
        IdxFiles.write(dir, Mnist.TRAIN_LABELS, labels, false);
        assertContains(assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL)),
            "label=200");
    }

    @Test
    void shouldRejectANegativeCount() {
        IdxFiles.writeSet(dir, TRAIN, TEST, false);
        IdxFiles.write(dir, Mnist.TEST_LABELS, IdxFiles.labels(IdxFormat.LABELS_MAGIC, -1, 0), false);
        assertContains(assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL)),
            "negative count", "count=-1", "t10k-labels-idx1-ubyte");
    }

    private void assertCorruptGzip(final Path file) {
        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(dir, Mnist.ALL, Mnist.ALL));
        assertEquals(Reason.CORRUPT_GZIP, e.reason(), e.getMessage());
        assertEquals(file, e.file().orElseThrow());
        assertContains(e, "gzip", "file=" + file, "cause=");
    }

    static void assertContains(final Throwable e, final String... parts) {
        final String message = e.getMessage();
        for (final String part : parts) {
            assertTrue(message.contains(part), () -> "message lacks <" + part + ">: " + message);
        }
    }

    @Test
    void shouldKeepTheLabelArraysPrivate() {
        IdxFiles.writeSet(dir, TRAIN, TEST, true);
        final MnistSplit train = Mnist.load(dir, Mnist.ALL, Mnist.ALL).train();
        final int[] copy = train.labels();
        copy[0] = 9;
        assertArrayEquals(new int[] {IdxFiles.label(0), IdxFiles.label(1)}, train.limit(2).labels());
    }
}
