package dev.obscura.data;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The real MNIST files for tests that train on them: found as the {@code obscura} command finds them
 * ({@link Mnist#locate(Optional)} with no explicit directory), so from any checkout with the data beside it. Shared
 * through this module's test-jar.
 */
public final class MnistFilesOrSkip {
    private MnistFilesOrSkip() {
    }

    /**
     * The located MNIST directory; aborts (skips) the calling test when there is none. Any other problem with the
     * files fails it.
     */
    public static Path locate() {
        try {
            return Mnist.locate(Optional.empty());
        } catch (final MnistException e) {
            if (e.reason() != MnistException.Reason.NOT_FOUND) {
                throw e;
            }
            return Assumptions.abort("MNIST files not found: " + e.getMessage());
        }
    }
}
