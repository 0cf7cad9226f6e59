package dev.obscura.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small synthetic MNIST IDX files for tests. */
final class IdxFiles {
    private IdxFiles() {
    }

    /** The test pattern: every value 0..255 appears, including 0 and 255. */
    static int pixel(final int image, final int index) {
        return (image * 31 + index * 7) & 0xFF;
    }

    /** Label of image {@code image} in the synthetic set. */
    static int label(final int image) {
        return (image * 3 + 1) % 10;
    }

    static byte[] images(final int magic, final int count, final int rows, final int cols, final int written) {
        final ByteBuffer b = ByteBuffer.allocate(16 + written * rows * cols);
        b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < written; i++) {
            for (int k = 0; k < rows * cols; k++) {
                b.put((byte) pixel(i, k));
            }
        }
        return b.array();
    }

    static byte[] images(final int count) {
        return images(IdxFormat.IMAGES_MAGIC, count, 28, 28, count);
    }

    static byte[] labels(final int magic, final int count, final int written) {
        final ByteBuffer b = ByteBuffer.allocate(8 + written);
        b.putInt(magic).putInt(count);
        for (int i = 0; i < written; i++) {
            b.put((byte) label(i));
        }
        return b.array();
    }

    static byte[] labels(final int count) {
        return labels(IdxFormat.LABELS_MAGIC, count, count);
    }

    static byte[] gzip(final byte[] data) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@code data} as {@code name} (a {@code .gz} name), compressed, or uncompressed without {@code .gz}. */
    static Path write(final Path dir, final String name, final byte[] data, final boolean gzip) {
        try {
            Files.createDirectories(dir);
            final Path file = dir.resolve(gzip ? name : name.substring(0, name.length() - 3));
            Files.write(file, gzip ? gzip(data) : data);
            return file;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A complete small set: {@code train} training and {@code test} test images with labels. */
    static Path writeSet(final Path dir, final int train, final int test, final boolean gzip) {
        write(dir, Mnist.TRAIN_IMAGES, images(train), gzip);
        write(dir, Mnist.TRAIN_LABELS, labels(train), gzip);
        write(dir, Mnist.TEST_IMAGES, images(test), gzip);
        write(dir, Mnist.TEST_LABELS, labels(test), gzip);
        return dir;
    }
}
