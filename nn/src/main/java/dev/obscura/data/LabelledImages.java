package dev.obscura.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A set of images of one shape with a label each, copied out batch by batch into caller-supplied arrays (so a
 * training loop allocates nothing per batch): what the training and inference loops of {@code dev.obscura.nn.train}
 * read. {@link MnistSplit} is one; {@link #withheld} is what a party that does not hold the data passes in a secure
 * run, so that every party runs the same loop.
 *
 * <p>Batches are row-major {@code [batch, imageShape...]} floats and {@code batch} labels.
 */
public interface LabelledImages {

    /** Number of images (and labels). */
    int count();

    /** The shape of one image, {@code [channels, rows, cols]} (a copy). */
    int[] imageShape();

    /** Floats per image: the product of {@link #imageShape()}. */
    default int imageSize() {
        int n = 1;
        for (final int d : imageShape()) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The label of image {@code index}. */
    int label(int index);

    /**
     * Copies images {@code from .. from + batch - 1} into {@code dstImages[0 .. batch * imageSize())} and their labels
     * into {@code dstLabels[0 .. batch)}.
     *
     * @throws IndexOutOfBoundsException when the range is outside the set or a destination is too short
     */
    void copyBatch(int from, int batch, float[] dstImages, int[] dstLabels);

    /**
     * Copies the images {@code indices[indicesFrom .. indicesFrom + batch)}, in that order, and their labels, as
     * {@link #copyBatch(int, int, float[], int[])} does.
     *
     * @throws IndexOutOfBoundsException when the slice or an index is out of range, or a destination is too short
     */
    void copyBatch(int[] indices, int indicesFrom, int batch, float[] dstImages, int[] dstLabels);

    /**
     * The images held in {@code images} (row-major {@code [labels.length, imageShape...]}, normalised as the model
     * expects) with their {@code labels}; both arrays are copied.
     *
     * @throws IllegalArgumentException when the lengths do not fit the shape
     */
    static LabelledImages of(final float[] images, final int[] labels, final int... imageShape) {
        final int[] shape = imageShape.clone();
        long size = 1;
        for (final int d : shape) {
            size *= d;
        }
        if (shape.length == 0 || size < 1 || images.length != size * labels.length) {
            throw new IllegalArgumentException("images must hold labels.length images of imageShape, images="
                + images.length + ", labels=" + labels.length + ", imageShape=" + Arrays.toString(shape));
        }
        final float[] data = images.clone();
        final int[] own = labels.clone();
        final int imageSize = (int) size;
        return new LabelledImages() {
            @Override
            public int count() {
                return own.length;
            }

            @Override
            public int[] imageShape() {
                return shape.clone();
            }

            @Override
            public int label(final int index) {
                return own[index];
            }

            @Override
            public void copyBatch(final int from, final int batch, final float[] dstImages, final int[] dstLabels) {
                Objects.checkFromIndexSize(from, batch, own.length);
                System.arraycopy(data, from * imageSize, dstImages, 0, batch * imageSize);
                System.arraycopy(own, from, dstLabels, 0, batch);
            }

            @Override
            public void copyBatch(final int[] indices, final int indicesFrom, final int batch,
                final float[] dstImages, final int[] dstLabels) {
                Objects.checkFromIndexSize(indicesFrom, batch, indices.length);
                for (int b = 0; b < batch; b++) {
                    final int index = Objects.checkIndex(indices[indicesFrom + b], own.length);
                    System.arraycopy(data, index * imageSize, dstImages, b * imageSize, imageSize);
                    dstLabels[b] = own[index];
                }
            }

            @Override
            public String toString() {
                return "LabelledImages{count=" + own.length + ", imageShape=" + Arrays.toString(shape) + "}";
            }
        };
    }

    /**
     * {@code count} images of {@code imageShape} whose contents this party does not hold: every image is zeros and
     * every label 0. A party other than the data owner passes this to the loops that the data owner runs on the real
     * images (a secure engine ignores the values of a party that does not own the input).
     */
    static LabelledImages withheld(final int count, final int... imageShape) {
        if (count < 0 || imageShape.length == 0) {
            throw new IllegalArgumentException("need a count of 0 or more and an image shape, count=" + count
                + ", imageShape=" + Arrays.toString(imageShape));
        }
        final int[] shape = imageShape.clone();
        return new LabelledImages() {
            @Override
            public int count() {
                return count;
            }

            @Override
            public int[] imageShape() {
                return shape.clone();
            }

            @Override
            public int label(final int index) {
                Objects.checkIndex(index, count);
                return 0;
            }

            @Override
            public void copyBatch(final int from, final int batch, final float[] dstImages, final int[] dstLabels) {
                Objects.checkFromIndexSize(from, batch, count);
                clear(batch, dstImages, dstLabels);
            }

            @Override
            public void copyBatch(final int[] indices, final int indicesFrom, final int batch,
                final float[] dstImages, final int[] dstLabels) {
                Objects.checkFromIndexSize(indicesFrom, batch, indices.length);
                clear(batch, dstImages, dstLabels);
            }

            private void clear(final int batch, final float[] dstImages, final int[] dstLabels) {
                Arrays.fill(dstImages, 0, Math.multiplyExact(batch, imageSize()), 0f);
                Arrays.fill(dstLabels, 0, batch, 0);
            }

            @Override
            public String toString() {
                return "LabelledImages.withheld{count=" + count + ", imageShape=" + Arrays.toString(shape) + "}";
            }
        };
    }
}
