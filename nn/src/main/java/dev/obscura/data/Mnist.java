package dev.obscura.data;

import dev.obscura.data.MnistException.Reason;
import dev.obscura.text.UntrustedText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds and loads the MNIST files: the four IDX files as originally distributed.
 *
 * <h2>Where the files are looked for</h2>
 * {@link #locate(Optional)} picks the first of, strongest first:
 * <ol>
 *   <li>the directory passed explicitly (the API argument; the {@code obscura} command's {@value #DATA_FLAG});</li>
 *   <li>the system property {@value #PROPERTY};</li>
 *   <li>the environment variable {@value #ENVIRONMENT};</li>
 *   <li>the default: the first directory {@value #DEFAULT_DIRECTORY} found in the working directory or any
 *       directory above it;</li>
 *   <li>else the first {@value #DEFAULT_DIRECTORY} found in the project root or any directory above it, when the
 *       project root is known: the system property {@value #PROJECT_ROOT_PROPERTY}, which the {@code obscura}
 *       launcher sets to its checkout, so the command finds the data from any working directory;</li>
 *   <li>else the download cache, {@link MnistDownload#defaultCacheDirectory()}{@code /mnist}: found there by
 *       {@link #locate(Optional)} when it holds the files, and fetched there by {@link #locateOrDownload} (from the
 *       public mirrors, each file checked against its published SHA-256) when it does not.</li>
 * </ol>
 * For a checkout at {@code PROJECT} with the data beside it, the default is {@code PROJECT/../shared/data/mnist}:
 * found from {@code PROJECT} or any folder inside it by the working-directory search, and from anywhere else by the
 * project-root search.
 * A directory named by the first three must hold the files; it is an error, never a fall-through to the next
 * source, when it does not. In the chosen directory each file is read as {@code NAME.gz} when present, else as the
 * uncompressed {@code NAME}.
 *
 * <h2>Validation</h2>
 * Magic numbers (2051 images, 2049 labels), 28x28 images, equal image and label counts, 60,000 training and 10,000
 * test images (unless a limit is given), a length matching the header (a shorter file is truncated, a longer one
 * has trailing bytes), labels 0..9, and gzip integrity. Every failure is an {@link MnistException} whose message
 * names the file and states what was expected and what was found.
 *
 * <p>Stateless and thread-safe; the loaded {@link MnistData} is immutable and thread-safe.
 */
public final class Mnist {
    /** Training images. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    /** Training labels. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    /** Test images. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    /** Test labels. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    /** The four file names, in the order above; each may also be present without {@code .gz}, uncompressed. */
    public static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    /** System property naming the directory that holds the files. */
    public static final String PROPERTY = "obscura.mnist.dir";
    /** Environment variable naming the directory that holds the files. */
    public static final String ENVIRONMENT = "OBSCURA_MNIST_DIR";
    /** The {@code obscura} command's option naming the directory; used in messages. */
    public static final String DATA_FLAG = "--data";
    /**
     * The default directory, looked for in the working directory and each directory above it, then in the project
     * root and each directory above it.
     */
    public static final String DEFAULT_DIRECTORY = "shared/data/mnist";
    /**
     * System property naming the project root (the checkout), the second place the default directory is looked for
     * from; the {@code obscura} launcher sets it. Unlike {@value #PROPERTY} it names no data directory itself.
     */
    public static final String PROJECT_ROOT_PROPERTY = "obscura.project.root";

    /** Images in the standard training split. */
    public static final int TRAIN_COUNT = 60_000;
    /** Images in the standard test split. */
    public static final int TEST_COUNT = 10_000;
    /** A limit that reads every image, whatever the file's count. */
    public static final int ALL = Integer.MAX_VALUE;

    private Mnist() {
    }

    /** Loads both standard splits from the directory {@link #locate(Optional) located} with no explicit one. */
    public static MnistData load() {
        return load(locate(Optional.empty()));
    }

    /**
     * Loads both standard splits from {@code directory}, checking that they hold exactly {@value #TRAIN_COUNT} and
     * {@value #TEST_COUNT} images. Takes well under a second for the gzip-compressed files.
     *
     * @throws MnistException when a file is missing, unreadable or not valid
     */
    public static MnistData load(final Path directory) {
        return load(directory, TRAIN_COUNT, TEST_COUNT, true);
    }

    /**
     * Loads at most {@code trainLimit} training and {@code testLimit} test images (the first ones, in file order)
     * from {@code directory}. A limit lifts the check that the files hold the standard 60,000 and 10,000 images, so
     * this also reads smaller IDX files; pass {@link #ALL} to read a whole file of any size. When a limit stops
     * reading early, the rest of that file is not read, so its length (truncation, trailing bytes) and the rest of
     * the labels are not checked. A limit of 0 reads and checks only the headers.
     *
     * @throws IllegalArgumentException when a limit is negative
     * @throws MnistException when a file is missing, unreadable or not valid
     */
    public static MnistData load(final Path directory, final int trainLimit, final int testLimit) {
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("limits must not be negative, trainLimit=" + trainLimit
                + ", testLimit=" + testLimit);
        }
        return load(directory, trainLimit, testLimit, false);
    }

    /**
     * The directory to read MNIST from: {@code explicit} when present, else the system property
     * {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT}, else the default
     * {@value #DEFAULT_DIRECTORY} in the working directory or the nearest directory above it, else the default in
     * the project root ({@value #PROJECT_ROOT_PROPERTY}, when set) or the nearest directory above it, else the
     * download cache ({@link MnistDownload#defaultCacheDirectory()}) when it holds the four files. Never downloads:
     * {@link #locateOrDownload} does.
     *
     * @throws MnistException ({@link Reason#NOT_FOUND}) when the chosen directory does not exist or lacks a file,
     *     or no directory is configured and no default exists; the message names every place looked in and says
     *     where to put the files
     */
    public static Path locate(final Optional<Path> explicit) {
        final String root = System.getProperty(PROJECT_ROOT_PROPERTY);
        return locate(explicit, System.getProperty(PROPERTY), System.getenv(ENVIRONMENT),
            Path.of("").toAbsolutePath(), root == null || root.isBlank() ? null : Path.of(root),
            MnistDownload.defaultCacheDirectory().resolve(MnistDownload.CACHE_SUBDIRECTORY));
    }

    /**
     * The directory to read MNIST from, as {@link #locate(Optional)} finds it, except that when nothing is
     * configured and no default exists it is {@code download}'s directory, fetched there first unless it already
     * holds the four files with their published checksums. A directory that is configured ({@code explicit},
     * {@value #PROPERTY}, {@value #ENVIRONMENT}) and lacks the files is an error, never a download.
     *
     * @throws MnistException ({@link Reason#NOT_FOUND}) when a configured directory lacks the files, or the download
     *     fails: then in two lines, what is missing and why, then the option that fixes it
     */
    public static Path locateOrDownload(final Optional<Path> explicit, final MnistDownload download) {
        final String root = System.getProperty(PROJECT_ROOT_PROPERTY);
        return locateOrDownload(explicit, System.getProperty(PROPERTY), System.getenv(ENVIRONMENT),
            Path.of("").toAbsolutePath(), root == null || root.isBlank() ? null : Path.of(root), download);
    }

    /** {@link #locateOrDownload(Optional, MnistDownload)} with the settings given, for tests. */
    static Path locateOrDownload(final Optional<Path> explicit, final String property, final String environment,
        final Path workingDirectory, final Path projectRoot, final MnistDownload download) {
        Objects.requireNonNull(download, "download");
        final Path found = find(explicit, property, environment, workingDirectory, projectRoot);
        if (found != null) {
            return found;
        }
        return download.complete() ? download.directory() : download.fetch();
    }

    /** {@link #locate(Optional)} with no project root and no cache, for tests. */
    static Path locate(final Optional<Path> explicit, final String property, final String environment,
        final Path workingDirectory) {
        return locate(explicit, property, environment, workingDirectory, null, null);
    }

    /** {@link #locate(Optional)} with no cache, for tests. */
    static Path locate(final Optional<Path> explicit, final String property, final String environment,
        final Path workingDirectory, final Path projectRoot) {
        return locate(explicit, property, environment, workingDirectory, projectRoot, null);
    }

    /**
     * {@link #locate(Optional)} with the property, environment, working directory, project root and cache (null
     * when unknown) given, for tests.
     */
    static Path locate(final Optional<Path> explicit, final String property, final String environment,
        final Path workingDirectory, final Path projectRoot, final Path cache) {
        final Path found = find(explicit, property, environment, workingDirectory, projectRoot);
        if (found != null) {
            return found;
        }
        if (cache != null && missing(cache).isEmpty()) {
            return cache;
        }
        final Path start = workingDirectory.toAbsolutePath().normalize();
        final Path root = projectRoot == null ? null : projectRoot.toAbsolutePath().normalize();
        throw new MnistException(Reason.NOT_FOUND, null, "MNIST data not found: no " + DATA_FLAG
            + " DIR given, " + ENVIRONMENT + " and -D" + PROPERTY + " are not set, and there is no "
            + DEFAULT_DIRECTORY + " in workingDirectory=" + UntrustedText.quote(start) + " or any directory above it"
            + (root == null ? " (the project root is unknown: -D" + PROJECT_ROOT_PROPERTY + " is not set)"
                : ", nor in projectRoot=" + UntrustedText.quote(root) + " (-D" + PROJECT_ROOT_PROPERTY
                    + ") or any directory above it")
            + (cache == null ? "" : ", nor in the download cache " + UntrustedText.quote(cache)) + ". "
            + whereToPut());
    }

    /**
     * The configured directory ({@code explicit}, {@code property}, {@code environment}, checked: an error when it
     * lacks the files), else the default found from the working directory or the project root, else null.
     */
    private static Path find(final Optional<Path> explicit, final String property, final String environment,
        final Path workingDirectory, final Path projectRoot) {
        Objects.requireNonNull(explicit, "explicit");
        if (explicit.isPresent()) {
            return checkDirectory(explicit.get(), "the directory given (" + DATA_FLAG + " DIR)");
        }
        if (property != null && !property.isBlank()) {
            return checkDirectory(Path.of(property), "system property " + PROPERTY);
        }
        if (environment != null && !environment.isBlank()) {
            return checkDirectory(Path.of(environment), "environment variable " + ENVIRONMENT);
        }
        final Path start = workingDirectory.toAbsolutePath().normalize();
        final Path fromStart = findUpward(start);
        if (fromStart != null) {
            return checkDirectory(fromStart, "the default location, found from workingDirectory="
                + UntrustedText.quote(start));
        }
        // The project root comes second: a data directory near where the user works wins over the checkout's.
        final Path root = projectRoot == null ? null : projectRoot.toAbsolutePath().normalize();
        final Path fromRoot = root == null ? null : findUpward(root);
        if (fromRoot != null) {
            return checkDirectory(fromRoot, "the default location, found from projectRoot="
                + UntrustedText.quote(root));
        }
        return null;
    }

    /** The first {@value #DEFAULT_DIRECTORY} that is a directory in {@code start} or a directory above it, or null. */
    private static Path findUpward(final Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            final Path candidate = dir.resolve(DEFAULT_DIRECTORY);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static MnistData load(final Path directory, final int trainLimit, final int testLimit,
        final boolean standard) {
        Objects.requireNonNull(directory, "directory");
        checkDirectory(directory, "the directory given");
        final MnistSplit train = IdxReader.readSplit("train", file(directory, TRAIN_IMAGES),
            file(directory, TRAIN_LABELS), standard ? TRAIN_COUNT : -1, trainLimit);
        final MnistSplit test = IdxReader.readSplit("test", file(directory, TEST_IMAGES),
            file(directory, TEST_LABELS), standard ? TEST_COUNT : -1, testLimit);
        return new MnistData(directory, train, test);
    }

    /** {@code directory}, when it exists and holds the four files. */
    private static Path checkDirectory(final Path directory, final String source) {
        if (!Files.isDirectory(directory)) {
            throw new MnistException(Reason.NOT_FOUND, directory, "MNIST data not found: directory="
                + UntrustedText.quote(directory) + " (from " + source + ") does not exist or is not a directory. "
                + whereToPut());
        }
        final List<String> missing = missing(directory);
        if (!missing.isEmpty()) {
            throw new MnistException(Reason.NOT_FOUND, directory, "MNIST data not found: directory="
                + UntrustedText.quote(directory) + " (from " + source + ") does not hold every file, missing="
                + missing + ". " + whereToPut());
        }
        return directory;
    }

    /** The files of {@link #FILES} that {@code directory} holds neither compressed nor uncompressed. */
    private static List<String> missing(final Path directory) {
        final List<String> missing = new ArrayList<>();
        for (final String name : FILES) {
            if (file(directory, name) == null) {
                missing.add(name);
            }
        }
        return missing;
    }

    /** {@code name} in {@code directory}, else the same name without {@code .gz}, else null. */
    private static Path file(final Path directory, final String name) {
        final Path gz = directory.resolve(name);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        final Path plain = directory.resolve(name.substring(0, name.length() - ".gz".length()));
        return Files.isRegularFile(plain) ? plain : null;
    }

    private static String whereToPut() {
        return "Put the four files " + String.join(", ", FILES)
            + " (as distributed, or gunzipped without .gz) in one directory and pass it with " + DATA_FLAG
            + " DIR (the obscura command) or Mnist.load(DIR), or set the environment variable " + ENVIRONMENT
            + "=DIR or the system property -D" + PROPERTY + "=DIR, or put them in the default location "
            + DEFAULT_DIRECTORY + " in the working directory or any directory above it, or in the project root"
            + " (-D" + PROJECT_ROOT_PROPERTY + ", set by the obscura launcher) or any directory above it (for a"
            + " checkout at PROJECT: PROJECT/../" + DEFAULT_DIRECTORY + ").";
    }
}
