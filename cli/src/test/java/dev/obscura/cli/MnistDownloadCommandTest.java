package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job on a fresh machine: with no MNIST anywhere, {@code obscura mnist train} downloads it into the cache
 * ({@code --cache-dir}) with a progress display, or, offline, fails in two short lines. Run in a JVM of its own, in
 * an empty working directory and with an empty project root, so that no data directory is found; the mirrors are a
 * server this test starts on loopback, or a closed port: never the internet.
 */
class MnistDownloadCommandTest {
    @TempDir
    Path dir;

    private Path work;

    @BeforeEach
    void emptyMachine() throws IOException {
        work = Files.createDirectories(dir.resolve("home/work"));
        for (Path d = dir.toAbsolutePath(); d != null; d = d.getParent()) {
            assumeFalse(Files.isDirectory(d.resolve(Mnist.DEFAULT_DIRECTORY)),
                "a " + Mnist.DEFAULT_DIRECTORY + " exists above the temporary directory, in " + d);
        }
    }

    private CommandRun obscura(final String mirrors, final String... args) {
        return Forked.run(work, List.of("-Dobscura.project.root=" + dir.resolve("home"),
            "-Dobscura.mnist.mirrors=" + mirrors), args);
    }

    @Test
    void shouldFailOfflineInTwoShortLines() throws IOException {
        final int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        final Path cache = dir.resolve("cache");
        final CommandRun r = obscura("http://127.0.0.1:" + closed + "/", "mnist", "train", "--epochs", "1",
            "--cache-dir", cache.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals(List.of("obscura: MNIST not found, and train-images-idx3-ubyte.gz could not be downloaded"
                + " (127.0.0.1: connection refused)",
            "obscura: Fix: pass --data DIR naming a directory with the four MNIST .gz files, or rerun with network"
                + " access to fetch them into " + cache.resolve("mnist")), r.err().lines().toList());
        assertTrue(r.out().startsWith("MNIST not found locally: downloading the four files (11.6 MB)"), r.out());
        try (Stream<Path> files = Files.list(cache.resolve("mnist"))) {
            assertEquals(List.of(), files.toList(), "nothing half-written");
        }
    }

    @Test
    void shouldDownloadIntoTheCacheThenTrainAndNextTimeInferFromTheCache() throws IOException {
        final Path source;
        try {
            source = Mnist.locate(Optional.empty());
        } catch (final MnistException e) {
            assumeTrue(false, "the real MNIST files are not here to serve: " + e.getMessage());
            return;
        }
        assumeTrue(Files.isRegularFile(source.resolve(Mnist.TRAIN_IMAGES)), "the .gz files are not here to serve");
        final List<String> served = Collections.synchronizedList(new ArrayList<>());
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mnist/", exchange -> {
            final String name = Path.of(exchange.getRequestURI().getPath()).getFileName().toString();
            served.add(name);
            final byte[] body = Files.readAllBytes(source.resolve(name));
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            final String mirror = "http://127.0.0.1:" + server.getAddress().getPort() + "/mnist/";
            final Path cache = dir.resolve("cache");
            final String[] train = {"mnist", "train", "--limit", "64", "--test-limit", "32", "--batch", "32",
                "--cache-dir", cache.toString(), "--model", dir.resolve("m.obscura").toString()};
            final CommandRun first = obscura(mirror, train);
            assertEquals(0, first.status(), first.out() + first.err());
            assertEquals(4, served.size(), served.toString());
            for (final String name : Mnist.FILES) {
                assertTrue(first.out().contains("  " + name + ": downloaded and verified\n"), first.out());
                assertEquals(Files.size(source.resolve(name)), Files.size(cache.resolve("mnist").resolve(name)));
            }
            assertTrue(first.out().contains("from " + cache.resolve("mnist")), first.out());

            final CommandRun second = obscura(mirror, "mnist", "infer", "--limit", "32", "--cache-dir",
                cache.toString(), "--model", dir.resolve("m.obscura").toString());
            assertEquals(0, second.status(), second.err());
            assertTrue(second.out().contains("test images from " + cache.resolve("mnist")), second.out());
            assertEquals(4, served.size(), "the cache is used: " + served);
            assertFalse(second.out().contains("downloading"), second.out());
        } finally {
            server.stop(0);
        }
    }
}
