package dev.obscura.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Loads the real MNIST files when they are found as the {@code obscura} command finds them ({@link Mnist#locate} with
 * no explicit directory, or {@code -Dobscura.test.mnist=DIR}); skipped otherwise.
 */
class MnistRealFilesTest {
    private static final Path REAL = realOrNull();

    private static MnistData data;

    private static Path realOrNull() {
        final String configured = System.getProperty("obscura.test.mnist");
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            return Mnist.locate(Optional.empty());
        } catch (final MnistException e) {
            return null;
        }
    }

    @BeforeAll
    static void load() {
        assumeTrue(REAL != null && Files.isRegularFile(REAL.resolve(Mnist.TRAIN_IMAGES)), "no MNIST files found");
        data = Mnist.load(REAL);
    }

    @Test
    void shouldLoadTheStandardSplits() {
        assertEquals(Mnist.TRAIN_COUNT, data.train().count());
        assertEquals(Mnist.TEST_COUNT, data.test().count());
        assertEquals(5, data.train().label(0));
        assertEquals(7, data.test().label(0));
        assertEquals(8, data.train().label(59_999));
        assertEquals(6, data.test().label(9_999));
    }

    @Test
    void shouldMatchThePixelAndLabelSumsOfTheOriginalFiles() {
        // Sums over the decompressed files (python: sum(gzip.open(f).read()[16:])).
        assertEquals(1_567_298_545L, pixelSum(data.train()));
        assertEquals(264_923_200L, pixelSum(data.test()));
        assertEquals(27_525L, pixelSum(data.train().limit(1)));
        assertEquals(267_236L, labelSum(data.train()));
        assertEquals(44_434L, labelSum(data.test()));
    }

    @Test
    void shouldNormaliseTheTrainingSetToAboutZeroMeanAndUnitVariance() {
        final MnistSplit train = data.train();
        final int batch = 1000;
        final float[] images = new float[batch * MnistSplit.PIXELS];
        final int[] labels = new int[batch];
        double sum = 0;
        double sumSquares = 0;
        for (int from = 0; from < train.count(); from += batch) {
            train.copyBatch(from, batch, images, labels);
            for (final float x : images) {
                sum += x;
                sumSquares += (double) x * x;
            }
        }
        final double n = (double) train.count() * MnistSplit.PIXELS;
        final double mean = sum / n;
        assertEquals(0.0, mean, 1e-3);
        assertEquals(1.0, Math.sqrt(sumSquares / n - mean * mean), 2e-3);
    }

    @Test
    void shouldFindTheSharedDataFromTheModuleDirectoryByDefault() throws IOException {
        assumeTrue(System.getenv(Mnist.ENVIRONMENT) == null && System.getProperty(Mnist.PROPERTY) == null
            && System.getProperty(Mnist.PROJECT_ROOT_PROPERTY) == null, "a directory or project root is configured");
        // The default search found WORKSPACE/shared/data/mnist from the module directory, inside WORKSPACE.
        final Path found = Mnist.locate(Optional.empty());
        assertTrue(found.endsWith(Mnist.DEFAULT_DIRECTORY), "found=" + found);
        final Path workspace = found.toAbsolutePath().getParent().getParent().getParent();
        assertTrue(Path.of("").toAbsolutePath().startsWith(workspace), "found=" + found);
        assertTrue(Files.isSameFile(REAL, found) || System.getProperty("obscura.test.mnist") != null, "found=" + found);
    }

    private static long pixelSum(final MnistSplit split) {
        final ByteBuffer raw = split.rawPixels();
        long sum = 0;
        while (raw.hasRemaining()) {
            sum += raw.get() & 0xFF;
        }
        return sum;
    }

    private static long labelSum(final MnistSplit split) {
        long sum = 0;
        for (final int label : split.labels()) {
            sum += label;
        }
        return sum;
    }
}
