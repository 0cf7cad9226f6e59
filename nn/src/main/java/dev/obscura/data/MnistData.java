package dev.obscura.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The loaded MNIST data set: the {@link #train()} and {@link #test()} splits and the directory they came from.
 *
 * <p>Immutable and thread-safe.
 */
public final class MnistData {
    private final Path directory;
    private final MnistSplit train;
    private final MnistSplit test;

    MnistData(final Path directory, final MnistSplit train, final MnistSplit test) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.train = Objects.requireNonNull(train, "train");
        this.test = Objects.requireNonNull(test, "test");
    }

    /** The directory the files were read from. */
    public Path directory() {
        return directory;
    }

    /** The training split (60,000 images unless a limit was given). */
    public MnistSplit train() {
        return train;
    }

    /** The test split (10,000 images unless a limit was given). */
    public MnistSplit test() {
        return test;
    }

    @Override
    public String toString() {
        return "MnistData{directory=" + directory + ", train=" + train.count() + ", test=" + test.count() + "}";
    }
}
