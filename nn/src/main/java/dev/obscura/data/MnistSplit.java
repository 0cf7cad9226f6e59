package dev.obscura.data;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One MNIST split (the training or the test set): {@link #count()} images of 28x28 unsigned-byte pixels and their
 * labels 0..9, in file order.
 *
 * <p>The pixels are kept as the raw bytes of the file (one byte each, 47 MB for the training set); images are
 * normalised to floats only when copied out, through a 256-entry table, as torchvision does for MNIST:
 * {@code (pixel / 255 - 0.1307) / 0.3081}, computed in {@code float} in that order, so the values are bit for bit
 * those of {@code ToTensor()} followed by {@code Normalize((0.1307,), (0.3081,))}. A batch of {@code n} images is
 * laid out row-major as {@code [n, 1, 28, 28]}.
 *
 * <p>{@link #copyBatch(int, int, float[], int[])} and {@link #copyBatch(int[], int, int, float[], int[])} write into
 * caller-supplied arrays and allocate nothing, for training loops. {@link #subset(int, int)} and {@link #limit(int)}
 * are views that share the data.
 *
 * <p>Immutable and thread-safe: the data is never written after construction and is never handed out except as
 * copies or read-only views; any number of threads may read one split, or views of it, at once.
 */
public final class MnistSplit implements LabelledImages {
    /** Rows per image. */
    public static final int ROWS = 28;
    /** Columns per image. */
    public static final int COLS = 28;
    /** Pixels per image, {@code ROWS * COLS}. */
    public static final int PIXELS = ROWS * COLS;
    /** Number of classes; labels are {@code 0..CLASSES-1}. */
    public static final int CLASSES = 10;
    /** The training set's pixel mean (of {@code pixel / 255}) used for normalisation. */
    public static final float MEAN = 0.1307f;
    /** The training set's pixel standard deviation (of {@code pixel / 255}) used for normalisation. */
    public static final float STD = 0.3081f;

    private static final float[] NORMALISED = new float[256];

    static {
        for (int p = 0; p < NORMALISED.length; p++) {
            NORMALISED[p] = (p / 255f - MEAN) / STD;
        }
    }

    private final String name;
    private final byte[] pixels;
    private final byte[] labels;
    private final int offset;
    private final int count;

    /** Takes ownership of the arrays: the caller must not keep or write them. Labels are already validated. */
    MnistSplit(final String name, final byte[] pixels, final byte[] labels, final int offset, final int count) {
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.offset = offset;
        this.count = count;
    }

    /** The normalised value of one raw pixel {@code 0..255}: {@code (pixel / 255f - MEAN) / STD}. */
    public static float normalise(final int pixel) {
        if (pixel < 0 || pixel > 255) {
            throw new IllegalArgumentException("pixel must be in 0..255, pixel=" + pixel);
        }
        return NORMALISED[pixel];
    }

    /** {@code [1, 28, 28]}: one channel of {@link #ROWS} x {@link #COLS}. */
    @Override
    public int[] imageShape() {
        return new int[] {1, ROWS, COLS};
    }

    /** {@value #PIXELS}. */
    @Override
    public int imageSize() {
        return PIXELS;
    }

    /** {@code "train"} or {@code "test"}; views keep their parent's name. */
    public String name() {
        return name;
    }

    /** Number of images (and labels). */
    @Override
    public int count() {
        return count;
    }

    /** The label 0..9 of image {@code index}. */
    @Override
    public int label(final int index) {
        checkIndex(index);
        return labels[offset + index];
    }

    /** The raw value 0..255 of one pixel of image {@code index}. */
    public int pixel(final int index, final int row, final int col) {
        checkIndex(index);
        if (row < 0 || row >= ROWS || col < 0 || col >= COLS) {
            throw new IndexOutOfBoundsException("pixel out of range, row=" + row + ", col=" + col
                + ", rows=" + ROWS + ", cols=" + COLS);
        }
        return pixels[(offset + index) * PIXELS + row * COLS + col] & 0xFF;
    }

    /** A new array of every label, in order. */
    public int[] labels() {
        final int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = labels[offset + i];
        }
        return out;
    }

    /**
     * A read-only view of the raw pixels, {@code count() * PIXELS} unsigned bytes, image after image, row by row,
     * with position 0 at the first pixel of image 0. No copy is made; each call returns an independent view.
     */
    public ByteBuffer rawPixels() {
        return ByteBuffer.wrap(pixels, offset * PIXELS, count * PIXELS).slice().asReadOnlyBuffer();
    }

    /**
     * A new array of every image, normalised, row-major {@code [count, 1, 28, 28]}: {@code count() * 784} floats
     * (188 MB for the training set). Training loops should use {@link #copyBatch(int, int, float[], int[])}.
     */
    public float[] images() {
        final float[] out = new float[count * PIXELS];
        normaliseInto(offset * PIXELS, out, 0, count * PIXELS);
        return out;
    }

    /**
     * Copies images {@code from .. from + batch - 1}, normalised, into {@code dstImages[0 .. batch * 784)} as
     * {@code [batch, 1, 28, 28]}, and their labels into {@code dstLabels[0 .. batch)}. Allocates nothing.
     *
     * @throws IndexOutOfBoundsException when the range is outside the split or a destination is too short
     */
    @Override
    public void copyBatch(final int from, final int batch, final float[] dstImages, final int[] dstLabels) {
        if (from < 0 || batch < 0 || from > count - batch) {
            throw new IndexOutOfBoundsException("batch out of range, from=" + from + ", batch=" + batch
                + ", count=" + count);
        }
        checkDestinations(batch, dstImages, dstLabels);
        normaliseInto((offset + from) * PIXELS, dstImages, 0, batch * PIXELS);
        for (int i = 0; i < batch; i++) {
            dstLabels[i] = labels[offset + from + i];
        }
    }

    /**
     * Copies the images {@code indices[indicesFrom .. indicesFrom + batch)} (in that order, repeats allowed),
     * normalised, into {@code dstImages[0 .. batch * 784)} as {@code [batch, 1, 28, 28]}, and their labels into
     * {@code dstLabels[0 .. batch)}. With a shuffled permutation as {@code indices} and {@code indicesFrom} stepping
     * by {@code batch}, this is one epoch of shuffled mini-batches without allocation.
     *
     * @throws IndexOutOfBoundsException when the slice of {@code indices} is out of range, an index is outside the
     *     split, or a destination is too short
     */
    @Override
    public void copyBatch(final int[] indices, final int indicesFrom, final int batch, final float[] dstImages,
        final int[] dstLabels) {
        Objects.requireNonNull(indices, "indices");
        if (indicesFrom < 0 || batch < 0 || indicesFrom > indices.length - batch) {
            throw new IndexOutOfBoundsException("indices slice out of range, indicesFrom=" + indicesFrom
                + ", batch=" + batch + ", indices.length=" + indices.length);
        }
        checkDestinations(batch, dstImages, dstLabels);
        for (int b = 0; b < batch; b++) {
            final int index = indices[indicesFrom + b];
            if (index < 0 || index >= count) {
                throw new IndexOutOfBoundsException("image index out of range, index=" + index
                    + ", at=" + (indicesFrom + b) + ", count=" + count);
            }
            normaliseInto((offset + index) * PIXELS, dstImages, b * PIXELS, PIXELS);
            dstLabels[b] = labels[offset + index];
        }
    }

    /**
     * A view of images {@code from .. to - 1}, sharing this split's data. Index 0 of the view is image
     * {@code from} of this split.
     */
    public MnistSplit subset(final int from, final int to) {
        if (from < 0 || to < from || to > count) {
            throw new IndexOutOfBoundsException("subset out of range, from=" + from + ", to=" + to
                + ", count=" + count);
        }
        return new MnistSplit(name, pixels, labels, offset + from, to - from);
    }

    /** A view of the first {@code min(n, count())} images, sharing this split's data (like {@code Stream.limit}). */
    public MnistSplit limit(final int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit must not be negative, n=" + n);
        }
        return n >= count ? this : subset(0, n);
    }

    @Override
    public String toString() {
        return "MnistSplit{name=" + name + ", count=" + count + "}";
    }

    private void normaliseInto(final int srcPixel, final float[] dst, final int dstOffset, final int length) {
        final byte[] src = pixels;
        final float[] table = NORMALISED;
        for (int i = 0; i < length; i++) {
            dst[dstOffset + i] = table[src[srcPixel + i] & 0xFF];
        }
    }

    private void checkIndex(final int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("image index out of range, index=" + index + ", count=" + count);
        }
    }

    private static void checkDestinations(final int batch, final float[] dstImages, final int[] dstLabels) {
        Objects.requireNonNull(dstImages, "dstImages");
        Objects.requireNonNull(dstLabels, "dstLabels");
        final long needed = (long) batch * PIXELS;
        if (dstImages.length < needed || dstLabels.length < batch) {
            throw new IndexOutOfBoundsException("destination too short, batch=" + batch
                + ", dstImages.length=" + dstImages.length + " (needs " + needed + ")"
                + ", dstLabels.length=" + dstLabels.length + " (needs " + batch + ")");
        }
    }
}
