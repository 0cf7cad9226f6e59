package dev.obscura.cli;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistDownload;
import dev.obscura.text.UntrustedText;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where the MNIST commands find their data: {@code --data DIR}, or else the search of {@link Mnist#locate}, or else
 * the download cache ({@code --cache-dir DIR}), filled from the public mirrors with a progress bar per file when the
 * files are nowhere.
 */
final class DataOptions {
    @Option(names = Mnist.DATA_FLAG, paramLabel = "DIR",
        description = {"Directory holding the four MNIST files.", "Default: see `obscura mnist --help`."})
    private Path dataDir;

    @Option(names = MnistDownload.CACHE_FLAG, paramLabel = "DIR",
        description = {"Where MNIST is downloaded, into DIR/" + MnistDownload.CACHE_SUBDIRECTORY + ", when it is"
            + " found nowhere else.", "Default: $" + MnistDownload.CACHE_ENVIRONMENT + ",",
            "else $XDG_CACHE_HOME/obscura,", "else ~/.cache/obscura."})
    private Path cacheDir;

    /**
     * Loads at most {@code trainLimit} training and {@code testLimit} test images, downloading them first when they
     * are found nowhere; the download's progress and outcome are printed on {@code out}.
     */
    MnistData load(final int trainLimit, final int testLimit, final PrintWriter out) {
        final MnistDownload.Builder download = MnistDownload.builder().listener(new Shown(out));
        if (cacheDir != null) {
            download.directory(cacheDir.resolve(MnistDownload.CACHE_SUBDIRECTORY));
        }
        return Mnist.load(Mnist.locateOrDownload(Optional.ofNullable(dataDir), download.build()), trainLimit,
            testLimit);
    }

    /** Shows a download: one line before it, a progress display per file, one line per failed mirror. */
    private static final class Shown implements MnistDownload.Listener {
        private final PrintWriter out;
        private boolean announced;
        private Progress progress;

        Shown(final PrintWriter out) {
            this.out = out;
        }

        @Override
        public void started(final MnistDownload.RemoteFile file, final URI from) {
            if (!announced) {
                announced = true;
                long bytes = 0;
                for (final MnistDownload.RemoteFile f : MnistDownload.FILES) {
                    bytes += f.size();
                }
                out.printf("MNIST not found locally: downloading the four files (%.1f MB), each checked against its"
                    + " published SHA-256%n", bytes / 1e6);
            }
            progress = Progress.start(file.name() + " from " + UntrustedText.quote(from.getHost()), file.size(),
                Progress.Unit.BYTES, out);
        }

        @Override
        public void progressed(final long bytes) {
            progress.step(bytes, null);
        }

        @Override
        public void finished(final MnistDownload.RemoteFile file, final URI from, final String failure) {
            progress.close();
            out.println(failure == null ? "  " + file.name() + ": downloaded and verified"
                : "  " + file.name() + " from " + UntrustedText.quote(from.getHost()) + " failed: " + failure);
            out.flush();
        }
    }
}
