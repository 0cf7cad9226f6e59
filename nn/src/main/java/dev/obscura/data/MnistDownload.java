package dev.obscura.data;

import dev.obscura.data.MnistException.Reason;
import dev.obscura.text.UntrustedText;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLConnection;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Fetches the four MNIST files into a cache directory when they are nowhere else, as PyTorch's and DJL's data sets
 * do: from the well-known public mirrors in turn, each file checked against its published size and SHA-256.
 *
 * <p>Nothing half-written is ever used: a file is streamed to a temporary file beside its target while its SHA-256
 * is computed, refused if the stream ends early, runs past the published size or hashes differently, forced to disk,
 * and only then moved (atomically) to its name. A file already in the cache is used only when its size and SHA-256
 * match; another one is replaced. Every network wait has a timeout ({@link Builder#timeouts}).
 *
 * <h2>Where</h2>
 * The cache is {@link #defaultCacheDirectory()}{@code /}{@value #CACHE_SUBDIRECTORY}: the directory named by the
 * system property {@value #CACHE_PROPERTY}, else by the environment variable {@value #CACHE_ENVIRONMENT}, else
 * {@code $XDG_CACHE_HOME/obscura}, else {@code ~/.cache/obscura}; the {@code obscura} command's
 * {@value #CACHE_FLAG} names it instead. The mirrors are {@link #MIRRORS}, or the comma-separated base URLs of the
 * system property {@value #MIRRORS_PROPERTY} or the environment variable {@value #MIRRORS_ENVIRONMENT} (a local
 * mirror, say).
 *
 * <p>Not thread-safe; two processes filling one cache at once each write their own temporary files and the last
 * verified move wins, so the cache stays valid.
 */
public final class MnistDownload {
    /**
     * The public mirrors, tried in order: the copy PyTorch's torchvision downloads, the one TensorFlow Datasets
     * downloads, and the original site (whose plain HTTP is safe here: every file is checked by its SHA-256).
     */
    public static final List<URI> MIRRORS = List.of(
        URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
        URI.create("http://yann.lecun.com/exdb/mnist/"));

    /**
     * The four files as originally distributed, with their sizes and SHA-256 (as published by TensorFlow Datasets;
     * their MD5s are those of {@code shared/data/mnist/README.md}).
     */
    public static final List<RemoteFile> FILES = List.of(
        new RemoteFile(Mnist.TRAIN_IMAGES, 9_912_422L,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        new RemoteFile(Mnist.TRAIN_LABELS, 28_881L,
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        new RemoteFile(Mnist.TEST_IMAGES, 1_648_877L,
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        new RemoteFile(Mnist.TEST_LABELS, 4_542L,
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"));

    /** System property naming the cache directory (MNIST goes in its {@value #CACHE_SUBDIRECTORY}). */
    public static final String CACHE_PROPERTY = "obscura.cache.dir";
    /** Environment variable naming the cache directory. */
    public static final String CACHE_ENVIRONMENT = "OBSCURA_CACHE_DIR";
    /** The {@code obscura} command's option naming the cache directory; used in messages. */
    public static final String CACHE_FLAG = "--cache-dir";
    /** The folder of the cache directory that holds MNIST. */
    public static final String CACHE_SUBDIRECTORY = "mnist";
    /** System property listing mirror base URLs, comma-separated, in place of {@link #MIRRORS}. */
    public static final String MIRRORS_PROPERTY = "obscura.mnist.mirrors";
    /** Environment variable listing mirror base URLs, comma-separated, in place of {@link #MIRRORS}. */
    public static final String MIRRORS_ENVIRONMENT = "OBSCURA_MNIST_MIRRORS";

    private static final int BUFFER_BYTES = 1 << 16;

    private final Path directory;
    private final List<URI> mirrors;
    private final List<RemoteFile> files;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Listener listener;

    private MnistDownload(final Builder b) {
        this.directory = b.directory != null ? b.directory : defaultCacheDirectory().resolve(CACHE_SUBDIRECTORY);
        this.mirrors = List.copyOf(b.mirrors != null ? b.mirrors : configuredMirrors());
        this.files = List.copyOf(b.files);
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.listener = b.listener;
    }

    /** A download of {@link #FILES} from the configured mirrors into the default cache, unless set otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The cache directory: the system property {@value #CACHE_PROPERTY}, else the environment variable
     * {@value #CACHE_ENVIRONMENT}, else {@code $XDG_CACHE_HOME/obscura}, else {@code ~/.cache/obscura}.
     */
    public static Path defaultCacheDirectory() {
        final String property = System.getProperty(CACHE_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        final String environment = System.getenv(CACHE_ENVIRONMENT);
        if (environment != null && !environment.isBlank()) {
            return Path.of(environment);
        }
        final String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "obscura");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "obscura");
    }

    /** The mirrors of {@value #MIRRORS_PROPERTY}, else {@value #MIRRORS_ENVIRONMENT}, else {@link #MIRRORS}. */
    static List<URI> configuredMirrors() {
        String list = System.getProperty(MIRRORS_PROPERTY);
        if (list == null || list.isBlank()) {
            list = System.getenv(MIRRORS_ENVIRONMENT);
        }
        if (list == null || list.isBlank()) {
            return MIRRORS;
        }
        final List<URI> out = new ArrayList<>();
        for (final String item : list.split(",")) {
            if (!item.isBlank()) {
                try {
                    final String base = item.strip();
                    out.add(URI.create(base.endsWith("/") ? base : base + "/"));
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("not a mirror URL in " + MIRRORS_PROPERTY + " or "
                        + MIRRORS_ENVIRONMENT + ", url=" + UntrustedText.quote(item.strip()), e);
                }
            }
        }
        return out;
    }

    /** The directory the files are fetched into. */
    public Path directory() {
        return directory;
    }

    /** The mirrors, in the order they are tried. */
    public List<URI> mirrors() {
        return mirrors;
    }

    /** Whether {@link #directory()} holds every file with its published size and SHA-256. */
    public boolean complete() {
        for (final RemoteFile file : files) {
            if (!file.matches(directory.resolve(file.name()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Fetches every file that is missing from {@link #directory()} or differs from its published checksum, each from
     * the first mirror that delivers it whole and verified; returns the directory.
     *
     * @throws MnistException ({@link Reason#NOT_FOUND}) when a file cannot be fetched from any mirror, in two lines:
     *     what is missing and why, then the one option that fixes it; nothing half-written is left behind
     */
    public Path fetch() {
        try {
            Files.createDirectories(directory);
        } catch (final IOException e) {
            throw failure("cannot create the cache directory " + UntrustedText.quote(directory) + " (" + e + ")");
        }
        for (final RemoteFile file : files) {
            final Path target = directory.resolve(file.name());
            if (file.matches(target)) {
                continue;
            }
            final List<String> failures = new ArrayList<>();
            boolean fetched = false;
            for (final URI mirror : mirrors) {
                final URI from = mirror.resolve(file.name());
                listener.started(file, from);
                String failure = "interrupted";
                try {
                    fetch(file, from, target);
                    fetched = true;
                    failure = null;
                } catch (final DownloadFailure e) {
                    failure = e.getMessage();
                    failures.add(UntrustedText.quote(from.getHost() == null ? from : from.getHost()) + ": " + failure);
                } finally {
                    listener.finished(file, from, failure);
                }
                if (fetched) {
                    break;
                }
            }
            if (!fetched) {
                throw failure(file.name() + " could not be downloaded (" + String.join("; ", failures) + ")");
            }
        }
        return directory;
    }

    /** The two-line failure: what is missing and why, then the fix. */
    private MnistException failure(final String why) {
        return new MnistException(Reason.NOT_FOUND, directory, "MNIST not found, and " + why + "\n"
            + "Fix: pass " + Mnist.DATA_FLAG + " DIR naming a directory with the four MNIST .gz files, or rerun with"
            + " network access to fetch them into " + UntrustedText.quote(directory));
    }

    /** Streams {@code from} to a temporary file, verifies it, and moves it to {@code target}. */
    private void fetch(final RemoteFile file, final URI from, final Path target) throws DownloadFailure {
        Path tmp = null;
        HttpURLConnection http = null;
        try {
            final URLConnection connection = from.toURL().openConnection();
            if (!(connection instanceof HttpURLConnection)) {
                throw new DownloadFailure("not an HTTP URL");
            }
            http = (HttpURLConnection) connection;
            http.setConnectTimeout((int) connectTimeout.toMillis());
            http.setReadTimeout((int) readTimeout.toMillis());
            http.setRequestProperty("User-Agent", "obscura");
            final int status = http.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK) {
                throw new DownloadFailure("HTTP " + status);
            }
            final long declared = http.getContentLengthLong();
            if (declared >= 0 && declared != file.size()) {
                throw new DownloadFailure("the server offers " + declared + " bytes, expected=" + file.size());
            }
            tmp = Files.createTempFile(directory, "." + file.name() + ".", ".part");
            final MessageDigest sha = newSha256();
            long received = 0;
            try (InputStream in = http.getInputStream();
                 FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                final byte[] buffer = new byte[BUFFER_BYTES];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    received += n;
                    if (received > file.size()) {
                        throw new DownloadFailure("more than the published " + file.size() + " bytes");
                    }
                    sha.update(buffer, 0, n);
                    final ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                    listener.progressed(n);
                }
                if (received != file.size()) {
                    throw new DownloadFailure("truncated: received " + received + " bytes, expected=" + file.size());
                }
                final String found = HexFormat.of().formatHex(sha.digest());
                if (!found.equals(file.sha256())) {
                    throw new DownloadFailure("checksum mismatch: sha256=" + found + ", expected=" + file.sha256());
                }
                out.force(true);
            } catch (final IOException e) {
                throw new DownloadFailure("connection lost after " + received + " of " + file.size() + " bytes ("
                    + reason(e) + ")");
            }
            move(tmp, target);
            tmp = null;
        } catch (final IOException e) {
            throw new DownloadFailure(reason(e));
        } finally {
            if (http != null) {
                http.disconnect();
            }
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (final IOException e) {
                    // A temporary file left behind is never used: only verified files get the real name.
                }
            }
        }
    }

    private static void move(final Path tmp, final Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Why a connection failed, in a few words. */
    private String reason(final IOException e) {
        if (e instanceof UnknownHostException) {
            return "unknown host (offline?)";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof SocketTimeoutException) {
            final long ms = readTimeout.toMillis();
            return "no answer within " + (ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0))
                + " s";
        }
        return UntrustedText.quote(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * One file to fetch.
     *
     * @param name   the file name, the same on every mirror
     * @param size   its published size in bytes
     * @param sha256 its published SHA-256, lower-case hex
     */
    public record RemoteFile(String name, long size, String sha256) {
        /** Validates. */
        public RemoteFile {
            Objects.requireNonNull(name, "name");
            if (size < 0 || !sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("need a size of 0 or more and a lower-case hex SHA-256, name="
                    + UntrustedText.quote(name) + ", size=" + size);
            }
        }

        /** Whether {@code file} exists with this size and SHA-256. */
        boolean matches(final Path file) {
            try {
                if (!Files.isRegularFile(file) || Files.size(file) != size) {
                    return false;
                }
                final MessageDigest sha = newSha256();
                try (InputStream in = Files.newInputStream(file)) {
                    final byte[] buffer = new byte[BUFFER_BYTES];
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        sha.update(buffer, 0, n);
                    }
                }
                return HexFormat.of().formatHex(sha.digest()).equals(sha256);
            } catch (final IOException e) {
                return false;
            }
        }
    }

    /** Told about each download, for a progress display. */
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = new Listener() {
        };

        /** Downloading {@code file} from {@code from} starts. */
        default void started(final RemoteFile file, final URI from) {
        }

        /** {@code bytes} more bytes arrived. */
        default void progressed(final long bytes) {
        }

        /**
         * The attempt to fetch {@code file} from {@code from} ended: {@code failure} is {@code null} when the file is
         * in place and verified, else why it is not (a few words; the next mirror is tried, if any).
         */
        default void finished(final RemoteFile file, final URI from, final String failure) {
        }
    }

    /** A failed attempt, with its reason in a few words. */
    private static final class DownloadFailure extends Exception {
        private static final long serialVersionUID = 1L;

        DownloadFailure(final String reason) {
            super(reason, null, false, false);
        }
    }

    /** The settings of a {@link MnistDownload}. Not thread-safe. */
    public static final class Builder {
        private Path directory;
        private List<URI> mirrors;
        private List<RemoteFile> files = FILES;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);
        private Listener listener = Listener.NONE;

        private Builder() {
        }

        /** The directory to fetch into (default: {@link #defaultCacheDirectory()}/{@value #CACHE_SUBDIRECTORY}). */
        public Builder directory(final Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * The mirrors' base URLs, tried in order (default: those of {@value #MIRRORS_PROPERTY} or
         * {@value #MIRRORS_ENVIRONMENT}, else {@link #MIRRORS}).
         */
        public Builder mirrors(final List<URI> mirrors) {
            if (mirrors.isEmpty()) {
                throw new IllegalArgumentException("need at least one mirror");
            }
            this.mirrors = List.copyOf(mirrors);
            return this;
        }

        /** The files to fetch (default: {@link #FILES}). */
        public Builder files(final List<RemoteFile> files) {
            this.files = List.copyOf(files);
            return this;
        }

        /** How long to wait for a connection, and for each read (defaults: 10 s and 30 s). */
        public Builder timeouts(final Duration connect, final Duration read) {
            if (connect.isNegative() || connect.isZero() || read.isNegative() || read.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, connect=" + connect + ", read=" + read);
            }
            this.connectTimeout = connect;
            this.readTimeout = read;
            return this;
        }

        /** Who hears of the progress (default: nobody). */
        public Builder listener(final Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The download, with the defaults filled in. */
        public MnistDownload build() {
            return new MnistDownload(this);
        }
    }
}
