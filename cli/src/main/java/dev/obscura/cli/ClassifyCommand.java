package dev.obscura.cli;

import dev.obscura.client.ObscuraClient;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistSplit;
import dev.obscura.network.NetworkConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code obscura classify}: the command-line client of the encrypted inference service, an
 * {@link ObscuraClient} configured from the deployment's network configuration.
 */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Classify images with the encrypted inference service.",
        "",
        "Secret-shares each image between the compute parties over mutual TLS and adds up their shares of the"
            + " logits: no compute party alone sees an image or a prediction. IMAGES are 28x28 grayscale PNG files"
            + " (white digit on black, like MNIST); or --mnist-test N classifies the first N MNIST test images and"
            + " prints the accuracy. The client's certificate is the configuration's tls.certificate for --name.",
        ""})
final class ClassifyCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true,
        description = "The deployment's network configuration (parties, CA, certificate files).")
    private Path config;

    @Option(names = "--name", paramLabel = "NAME", required = true,
        description = "This client's certificate name (from `obscura certs --client NAME`).")
    private String name;

    @Option(names = "--mnist-test", paramLabel = "N", description = "Classify the first N MNIST test images.")
    private Integer mnistTest;

    @Option(names = Mnist.DATA_FLAG, paramLabel = "DIR", description = "The MNIST folder (default: as the loader finds it).")
    private Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64",
        description = "Images per request (at most the service's max-batch; default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--port-offset", paramLabel = "N", defaultValue = "" + ServeCommand.PORT_OFFSET,
        description = "The services listen on each party's port plus this (default: ${DEFAULT-VALUE}).")
    private int portOffset;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "60",
        description = "The longest a request waits, in seconds (default: ${DEFAULT-VALUE}).")
    private int timeoutSeconds;

    @Parameters(paramLabel = "IMAGES", arity = "0..*", description = "28x28 grayscale PNG files.")
    private List<Path> images = new ArrayList<>();

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, (mnistTest == null) != images.isEmpty(), "give either IMAGES or --mnist-test N");
        MnistCommand.check(cmd, batch >= 1, "--batch must be positive, batch=" + batch);
        final NetworkConfig c = NetworkConfig.read(config);
        final NetworkConfig.Endpoint client = new NetworkConfig.Endpoint(-1, name, "", 0);
        final ObscuraClient.Config cc = new ObscuraClient.Config().tls(c.certificateFile(client), c.keyFile(client),
            c.caFile()).fracBits(c.fixedPointBits()).timeout(Duration.ofSeconds(timeoutSeconds));
        for (int p = 0; p < c.parties(); p++) {
            final NetworkConfig.Endpoint e = c.endpoint(p);
            cc.party(e.name(), e.host(), e.port() + portOffset);
        }
        final float[][] all;
        final int[] labels;
        if (mnistTest != null) {
            MnistCommand.check(cmd, mnistTest >= 1, "--mnist-test must be positive");
            final MnistSplit test = Mnist.load(Mnist.locate(Optional.ofNullable(data)), 0, mnistTest).test();
            all = new float[test.count()][MnistSplit.PIXELS];
            labels = new int[test.count()];
            final int[] one = new int[1];
            for (int i = 0; i < test.count(); i++) {
                test.copyBatch(i, 1, all[i], one);
                labels[i] = one[0];
            }
        } else {
            all = new float[images.size()][];
            labels = null;
            for (int i = 0; i < all.length; i++) {
                all[i] = read(cmd, images.get(i));
            }
        }
        final PrintWriter out = cmd.getOut();
        final long start = System.nanoTime();
        int correct = 0;
        try (ObscuraClient obscura = ObscuraClient.connect(cc)) {
            for (int from = 0; from < all.length; from += batch) {
                final float[][] part = java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + batch));
                final int[] predicted = obscura.classify(part).predictions();
                for (int i = 0; i < predicted.length; i++) {
                    final int index = from + i;
                    if (labels != null) {
                        correct += predicted[i] == labels[index] ? 1 : 0;
                        out.println("image " + index + ": " + predicted[i] + " (label " + labels[index] + ")");
                    } else {
                        out.println(images.get(index) + ": " + predicted[i]);
                    }
                }
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        if (labels != null) {
            out.printf("accuracy %.2f%% (%d/%d), %.1f s, %.1f images/s%n", 100.0 * correct / all.length, correct,
                all.length, seconds, all.length / seconds);
        }
        out.flush();
    }

    /** A 28x28 grayscale image, normalised as the MNIST loader does. */
    private static float[] read(final CommandLine cmd, final Path file) {
        final BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image " + file, e);
        }
        if (image == null || image.getWidth() != MnistSplit.COLS || image.getHeight() != MnistSplit.ROWS) {
            throw new CommandLine.ParameterException(cmd, file + ": expected a 28x28 image (PNG)");
        }
        final float[] out = new float[MnistSplit.PIXELS];
        for (int y = 0; y < MnistSplit.ROWS; y++) {
            for (int x = 0; x < MnistSplit.COLS; x++) {
                final int rgb = image.getRGB(x, y);
                final int gray = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 3;
                out[y * MnistSplit.COLS + x] = MnistSplit.normalise(gray);
            }
        }
        return out;
    }
}
