package dev.obscura.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistSplitTest {
    private static final int P = MnistSplit.PIXELS;

    @TempDir
    Path dir;

    private MnistSplit train;

    @BeforeEach
    void load() {
        train = Mnist.load(IdxFiles.writeSet(dir, 7, 2, true), Mnist.ALL, Mnist.ALL).train();
    }

    @Test
    void shouldCopyAContiguousBatchIntoCallerArrays() {
        final float[] images = new float[4 * P];
        final int[] labels = new int[4];
        Arrays.fill(images, Float.NaN);
        train.copyBatch(2, 3, images, labels);
        for (int b = 0; b < 3; b++) {
            assertEquals(IdxFiles.label(2 + b), labels[b]);
            for (int k = 0; k < P; k++) {
                assertEquals(MnistSplit.normalise(IdxFiles.pixel(2 + b, k)), images[b * P + k]);
            }
        }
        assertEquals(Float.NaN, images[3 * P], "nothing written past the batch");
        assertEquals(0, labels[3]);
    }

    @Test
    void shouldCopyAnIndexedBatchInIndexOrder() {
        final int[] order = {6, 0, 3, 3, 5};
        final float[] images = new float[2 * P];
        final int[] labels = new int[2];
        train.copyBatch(order, 2, 2, images, labels);
        assertEquals(IdxFiles.label(3), labels[0]);
        assertEquals(IdxFiles.label(3), labels[1]);
        train.copyBatch(order, 0, 2, images, labels);
        assertEquals(IdxFiles.label(6), labels[0]);
        assertEquals(IdxFiles.label(0), labels[1]);
        for (int k = 0; k < P; k++) {
            assertEquals(MnistSplit.normalise(IdxFiles.pixel(6, k)), images[k]);
            assertEquals(MnistSplit.normalise(IdxFiles.pixel(0, k)), images[P + k]);
        }
    }

    @Test
    void shouldRejectBatchesOutOfRangeWithTheFacts() {
        final float[] images = new float[2 * P];
        final int[] labels = new int[2];
        MnistTest.assertContains(assertThrows(IndexOutOfBoundsException.class,
            () -> train.copyBatch(6, 2, images, labels)), "from=6", "batch=2", "count=7");
        MnistTest.assertContains(assertThrows(IndexOutOfBoundsException.class,
            () -> train.copyBatch(0, 2, new float[P], labels)), "dstImages.length=" + P, "needs " + 2 * P);
        MnistTest.assertContains(assertThrows(IndexOutOfBoundsException.class,
            () -> train.copyBatch(new int[] {1, 7}, 0, 2, images, labels)), "index=7", "at=1", "count=7");
        MnistTest.assertContains(assertThrows(IndexOutOfBoundsException.class,
            () -> train.copyBatch(new int[] {1, 2}, 1, 2, images, labels)), "indicesFrom=1", "indices.length=2");
    }

    @Test
    void shouldViewSubsetsAndLimitsWithoutCopying() {
        final MnistSplit middle = train.subset(2, 5);
        assertEquals(3, middle.count());
        assertEquals(IdxFiles.label(2), middle.label(0));
        assertEquals(IdxFiles.pixel(4, 783), middle.pixel(2, 27, 27));
        assertEquals(3 * P, middle.rawPixels().remaining());
        assertEquals(IdxFiles.pixel(2, 0), middle.rawPixels().get(0) & 0xFF);
        assertEquals(IdxFiles.label(3), middle.subset(1, 2).label(0), "a view of a view");

        final float[] images = new float[P];
        final int[] labels = new int[1];
        middle.copyBatch(new int[] {2}, 0, 1, images, labels);
        assertEquals(IdxFiles.label(4), labels[0]);
        assertEquals(MnistSplit.normalise(IdxFiles.pixel(4, 10)), images[10]);
        assertEquals(3 * P, middle.images().length);

        assertEquals(2, train.limit(2).count());
        assertSame(train, train.limit(100));
        assertEquals(0, train.subset(7, 7).count());
        assertThrows(IndexOutOfBoundsException.class, () -> middle.label(3));
        assertThrows(IndexOutOfBoundsException.class, () -> train.subset(3, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> train.pixel(0, 28, 0));
    }
}
