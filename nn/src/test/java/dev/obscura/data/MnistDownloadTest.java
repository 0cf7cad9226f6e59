package dev.obscura.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.obscura.data.MnistDownload.RemoteFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MnistDownload} against an HTTP server on loopback that this test starts: never the real internet. Each
 * mirror of the server misbehaves in its own way (path prefix): {@code /good/} serves the files, {@code /flipped/}
 * serves a file with one byte changed, {@code /long/} sends more than the published size without announcing a
 * length, {@code /gone/} answers 404, and {@code /stall/} never answers. A second server, on a plain socket, is the
 * truncated download: it announces a file's full length, sends half of it and closes the connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MnistDownloadTest {
    @TempDir
    Path dir;

    private final Map<String, byte[]> contents = new LinkedHashMap<>();
    private final List<RemoteFile> files = new ArrayList<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private ServerSocket cutServer;

    @BeforeEach
    void start() throws IOException {
        contents.put(Mnist.TRAIN_IMAGES, IdxFiles.gzip(IdxFiles.images(6)));
        contents.put(Mnist.TRAIN_LABELS, IdxFiles.gzip(IdxFiles.labels(6)));
        contents.put(Mnist.TEST_IMAGES, IdxFiles.gzip(IdxFiles.images(3)));
        contents.put(Mnist.TEST_LABELS, IdxFiles.gzip(IdxFiles.labels(3)));
        contents.forEach((name, bytes) -> files.add(new RemoteFile(name, bytes.length, sha256(bytes))));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::serve);
        server.start();
        cutServer = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        final Thread cut = new Thread(this::serveCut, "truncating server");
        cut.setDaemon(true);
        cut.start();
    }

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        server.stop(0);
        cutServer.close();
    }

    /** Announces each file's length, sends half of it and closes: a download cut short. */
    private void serveCut() {
        while (!cutServer.isClosed()) {
            try (Socket socket = cutServer.accept()) {
                socket.setSoTimeout(5_000);
                final BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
                final String requestLine = in.readLine();
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    // headers: ignored
                }
                final String path = requestLine.split(" ")[1];
                final byte[] body = contents.get(path.substring(path.lastIndexOf('/') + 1));
                requests.add("cut/" + path.substring(path.lastIndexOf('/') + 1));
                final OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, body.length / 2);
                out.flush();
            } catch (final IOException | RuntimeException e) {
                // closed by stop(), or a client that left: serve the next one
            }
        }
    }

    private void serve(final HttpExchange exchange) throws IOException {
        final String[] path = exchange.getRequestURI().getPath().split("/");
        final String mirror = path[1];
        final byte[] body = contents.get(path[path.length - 1]);
        requests.add(mirror + "/" + path[path.length - 1]);
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            if (body == null || "gone".equals(mirror)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            switch (mirror) {
                case "good" -> {
                    exchange.sendResponseHeaders(200, body.length);
                    out.write(body);
                }
                case "flipped" -> {
                    final byte[] bad = body.clone();
                    bad[bad.length / 2] ^= 1;
                    exchange.sendResponseHeaders(200, bad.length);
                    out.write(bad);
                }
                case "long" -> {
                    exchange.sendResponseHeaders(200, 0);
                    out.write(body);
                    out.write(new byte[100_000]);
                }
                case "stall" -> release.await(30, TimeUnit.SECONDS);
                default -> exchange.sendResponseHeaders(500, -1);
            }
        } catch (final IOException | InterruptedException e) {
            // The client went away (it timed out, or refused the body): nothing to answer.
        }
    }

    private static String sha256(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (final NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private URI mirror(final String name) {
        final int port = "cut".equals(name) ? cutServer.getLocalPort() : server.getAddress().getPort();
        return URI.create("http://127.0.0.1:" + port + "/" + name + "/");
    }

    private MnistDownload download(final Path into, final String... mirrors) {
        final List<URI> uris = new ArrayList<>();
        for (final String m : mirrors) {
            uris.add(m.startsWith("http:") ? URI.create(m) : mirror(m));
        }
        return MnistDownload.builder().directory(into).mirrors(uris).files(files)
            .timeouts(Duration.ofSeconds(5), Duration.ofMillis(500)).build();
    }

    /** Every name in {@code directory}: the verified files only, never a temporary one. */
    private static List<String> names(final Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> lines(final MnistException e) {
        return e.getMessage().lines().toList();
    }

    private void assertTwoLines(final MnistException e, final String why) {
        assertEquals(MnistException.Reason.NOT_FOUND, e.reason());
        final List<String> lines = lines(e);
        assertEquals(2, lines.size(), e.getMessage());
        assertTrue(lines.get(0).startsWith("MNIST not found, and " + Mnist.TRAIN_IMAGES + " could not be downloaded ("),
            lines.get(0));
        assertTrue(lines.get(0).contains(why), lines.get(0));
        assertTrue(lines.get(1).startsWith("Fix: pass --data DIR naming a directory with the four MNIST .gz files"),
            lines.get(1));
        assertTrue(lines.get(0).length() < 300 && lines.get(1).length() < 300, e.getMessage());
    }

    @Test
    void shouldFetchVerifyAndCacheEveryFile() throws IOException {
        final Path cache = dir.resolve("cache/mnist");
        final List<String> events = new ArrayList<>();
        final long[] bytes = new long[1];
        final MnistDownload download = MnistDownload.builder().directory(cache).mirrors(List.of(mirror("good")))
            .files(files).listener(new MnistDownload.Listener() {
                @Override
                public void started(final RemoteFile file, final URI from) {
                    events.add("start " + file.name());
                }

                @Override
                public void progressed(final long n) {
                    bytes[0] += n;
                }

                @Override
                public void finished(final RemoteFile file, final URI from, final String failure) {
                    events.add((failure == null ? "ok " : "failed ") + file.name());
                }
            }).build();
        assertFalse(download.complete());
        assertEquals(cache, download.fetch());
        assertTrue(download.complete());
        assertEquals(contents.keySet().stream().sorted().toList(), names(cache));
        for (final Map.Entry<String, byte[]> e : contents.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(cache.resolve(e.getKey())), e.getKey());
        }
        assertEquals(contents.values().stream().mapToLong(b -> b.length).sum(), bytes[0]);
        assertEquals(List.of("start " + Mnist.TRAIN_IMAGES, "ok " + Mnist.TRAIN_IMAGES), events.subList(0, 2));
        assertEquals(6, Mnist.load(cache, Mnist.ALL, Mnist.ALL).train().count());

        // A second run finds the verified files and asks the network for nothing.
        final int before = requests.size();
        assertEquals(cache, download.fetch());
        assertEquals(before, requests.size());
    }

    @Test
    void shouldFallBackToTheNextMirrorAfterATruncatedDownload() throws IOException {
        final Path cache = dir.resolve("mnist");
        download(cache, "cut", "good").fetch();
        assertEquals(contents.keySet().stream().sorted().toList(), names(cache));
        assertEquals(List.of("cut/" + Mnist.TRAIN_IMAGES, "good/" + Mnist.TRAIN_IMAGES), requests.subList(0, 2));
        assertArrayEquals(contents.get(Mnist.TRAIN_IMAGES), Files.readAllBytes(cache.resolve(Mnist.TRAIN_IMAGES)));
    }

    @Test
    void shouldNeverKeepATruncatedFile() throws IOException {
        final Path cache = dir.resolve("mnist");
        final MnistException e = assertThrows(MnistException.class, () -> download(cache, "cut").fetch());
        assertTwoLines(e, "127.0.0.1: ");
        assertTrue(e.getMessage().contains("truncated: received " + files.get(0).size() / 2 + " bytes, expected="
            + files.get(0).size()) || e.getMessage().contains("connection lost after " + files.get(0).size() / 2),
            e.getMessage());
        assertFalse(e.getMessage().contains("no answer within"), "the connection was closed, not stalled");
        assertEquals(List.of(), names(cache), "nothing half-written is left");
    }

    @Test
    void shouldRefuseAWrongChecksumAndLeaveNothingBehind() throws IOException {
        final Path cache = dir.resolve("mnist");
        final MnistException e = assertThrows(MnistException.class, () -> download(cache, "flipped").fetch());
        assertTwoLines(e, "checksum mismatch: sha256=");
        assertTrue(e.getMessage().contains("expected=" + files.get(0).sha256()), e.getMessage());
        assertEquals(List.of(), names(cache));
    }

    @Test
    void shouldStopABodyLongerThanPublished() throws IOException {
        final Path cache = dir.resolve("mnist");
        final MnistException e = assertThrows(MnistException.class, () -> download(cache, "long").fetch());
        assertTwoLines(e, "more than the published " + files.get(0).size() + " bytes");
        assertEquals(List.of(), names(cache));
    }

    @Test
    void shouldSayWhyEachMirrorFailedWhenOffline() throws IOException {
        final int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        final Path cache = dir.resolve("mnist");
        final MnistException e = assertThrows(MnistException.class,
            () -> download(cache, "http://127.0.0.1:" + closed + "/mnist/", "gone").fetch());
        assertTwoLines(e, "127.0.0.1: connection refused; 127.0.0.1: HTTP 404");
        assertTrue(lines(e).get(1).endsWith("fetch them into " + cache), lines(e).get(1));
    }

    @Test
    void shouldTimeOutAServerThatNeverAnswers() {
        final MnistException e = assertThrows(MnistException.class,
            () -> download(dir.resolve("mnist"), "stall").fetch());
        assertTwoLines(e, "no answer within");
    }

    @Test
    void shouldReplaceACorruptFileInTheCache() throws IOException {
        final Path cache = Files.createDirectories(dir.resolve("mnist"));
        Files.write(cache.resolve(Mnist.TEST_LABELS), new byte[] {1, 2, 3});
        final MnistDownload download = download(cache, "good");
        assertFalse(download.complete());
        download.fetch();
        assertArrayEquals(contents.get(Mnist.TEST_LABELS), Files.readAllBytes(cache.resolve(Mnist.TEST_LABELS)));
    }

    @Test
    void shouldDownloadOnlyWhenNothingIsConfiguredOrFound() throws IOException {
        final Path nowhere = Files.createDirectories(dir.resolve("work/here"));
        final Path cache = dir.resolve("cache");
        // A directory that is named but lacks the files is an error, never a download.
        final MnistException named = assertThrows(MnistException.class, () -> Mnist.locateOrDownload(
            Optional.empty(), null, dir.resolve("absent").toString(), nowhere, null, download(cache, "good")));
        assertTrue(named.getMessage().contains("environment variable OBSCURA_MNIST_DIR"), named.getMessage());
        assertEquals(List.of(), requests);
        // A default data directory found wins over the cache.
        final Path near = IdxFiles.writeSet(dir.resolve("work").resolve(Mnist.DEFAULT_DIRECTORY), 1, 1, true);
        assertEquals(near, Mnist.locateOrDownload(Optional.empty(), null, null, nowhere, null,
            download(cache, "good")));
        assertEquals(List.of(), requests);
        // Nothing anywhere: fetched into the cache, and found there afterwards without a download.
        final Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        assumeNoDefaultAbove(elsewhere);
        assertEquals(cache, Mnist.locateOrDownload(Optional.empty(), null, null, elsewhere, null,
            download(cache, "good")));
        assertEquals(4, requests.size());
        assertEquals(cache, Mnist.locate(Optional.empty(), null, null, elsewhere, null, cache));
        assertEquals(cache, Mnist.locateOrDownload(Optional.empty(), null, null, elsewhere, null,
            download(cache, "good")));
        assertEquals(4, requests.size());
    }

    private static void assumeNoDefaultAbove(final Path start) {
        for (Path d = start.toAbsolutePath(); d != null; d = d.getParent()) {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isDirectory(d.resolve(Mnist.DEFAULT_DIRECTORY)),
                "a " + Mnist.DEFAULT_DIRECTORY + " exists above the temporary directory, in " + d);
        }
    }
}
