package dev.obscura.cli;

import dev.obscura.data.Mnist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small MNIST directory for command tests that must not depend on the real data: uncompressed IDX files. */
final class SyntheticMnist {
    private SyntheticMnist() {
    }

    /** Writes {@code train} training and {@code test} test images (a fixed pattern of pixels) to {@code dir}. */
    static Path write(final Path dir, final int train, final int test) {
        try {
            Files.createDirectories(dir);
            write(dir, Mnist.TRAIN_IMAGES, images(train, 1));
            write(dir, Mnist.TRAIN_LABELS, labels(train, 1));
            write(dir, Mnist.TEST_IMAGES, images(test, 2));
            write(dir, Mnist.TEST_LABELS, labels(test, 2));
            return dir;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(final Path dir, final String gzName, final byte[] bytes) throws IOException {
        Files.write(dir.resolve(gzName.substring(0, gzName.length() - ".gz".length())), bytes);
    }

    private static byte[] images(final int count, final int salt) {
        final ByteBuffer b = ByteBuffer.allocate(16 + count * 784).putInt(0x803).putInt(count).putInt(28).putInt(28);
        for (int i = 0; i < count * 784; i++) {
            b.put((byte) ((i * 31 + salt * 7 + i / 784 * 13) & 0xFF));
        }
        return b.array();
    }

    private static byte[] labels(final int count, final int salt) {
        final ByteBuffer b = ByteBuffer.allocate(8 + count).putInt(0x801).putInt(count);
        for (int i = 0; i < count; i++) {
            b.put((byte) ((i * 3 + salt) % 10));
        }
        return b.array();
    }
}
