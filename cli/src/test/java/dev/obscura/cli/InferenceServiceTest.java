package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.client.InferenceWire;
import dev.obscura.client.ObscuraClient;
import dev.obscura.client.ObscuraClientException;
import dev.obscura.network.TestCertificates;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.network.rpc.RpcClient;
import dev.obscura.network.rpc.RpcException;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.Classifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encrypted inference service end to end, in one JVM over loopback mutual TLS: two compute parties and the dealer
 * ({@link ServiceDeployment}), several clients at once, a small random model; the predictions equal plaintext's, and
 * every hostile or failing client gets a clear error while the others' requests complete. The last test kills a
 * compute party.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferenceServiceTest {
    private static final int MAX_BATCH = 8;
    private static final List<String> CLIENTS = List.of("alice", "bob", "carol", "dave", "erin");

    @TempDir
    static Path dir;

    private static ModelData weights;
    private static ServiceDeployment service;

    @BeforeAll
    static void start() {
        final PlainEngine plain = new PlainEngine();
        weights = ModelBinding.capture(MnistCnn.create(plain, 11), plain);
        service = ServiceDeployment.start(dir.resolve("service"), weights, CLIENTS, Backends.defaultBackend(),
            Duration.ofSeconds(5), s -> s.withBatch(MAX_BATCH, Duration.ofMillis(30)).withPool(1).withRate(20)
                .withMatch(Duration.ofSeconds(2)));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    static float[][] images(final int n, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final float[][] out = new float[n][784];
        for (final float[] image : out) {
            for (int j = 0; j < image.length; j++) {
                image[j] = (float) (r.nextDouble(3.2) - 0.42); // the range of normalised MNIST pixels
            }
        }
        return out;
    }

    /** The plaintext logits of {@code images}, row by row. */
    static double[][] plaintext(final ModelData model, final float[][] images) {
        final PlainEngine plain = new PlainEngine();
        final Sequential<PlainTensor> m = MnistCommand.model(plain, 0, model, true);
        final float[] flat = new float[images.length * 784];
        for (int i = 0; i < images.length; i++) {
            System.arraycopy(images[i], 0, flat, i * 784, 784);
        }
        final double[] logits = new Classifier<>(m, plain, Reveal.toAll(plain)).logits(plain.fromFloats(flat,
            images.length, 1, 28, 28));
        final double[][] out = new double[images.length][MnistCnn.CLASSES];
        for (int i = 0; i < images.length; i++) {
            System.arraycopy(logits, i * MnistCnn.CLASSES, out[i], 0, MnistCnn.CLASSES);
        }
        return out;
    }

    static void assertMatchesPlaintext(final ModelData model, final float[][] images,
                                       final ObscuraClient.Result result) {
        final double[][] expected = plaintext(model, images);
        for (int i = 0; i < images.length; i++) {
            for (int k = 0; k < MnistCnn.CLASSES; k++) {
                assertEquals(expected[i][k], result.logits()[i][k], 0.05, "image " + i + " logit " + k);
            }
            assertEquals(Classifier.argmax(expected[i], 1)[0], result.predictions()[i], "image " + i);
        }
    }

    private static RpcClient raw(final String client, final int party) {
        final Path certs = dir.resolve("service").resolve("certs");
        final Tls tls = Tls.forFiles(certs.resolve(client + ".crt"), certs.resolve(client + ".key"),
            certs.resolve("ca.crt"), TlsProvider.JDK, "test", client);
        return RpcClient.connect(new RpcClient.Context().address("127.0.0.1", service.party(party).address()
            .getPort()).serverName("party-" + party).service(InferenceWire.SERVICE).tls(tls));
    }

    private static String remoteError(final CompletableFuture<byte[]> call) {
        final ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(20, TimeUnit.SECONDS));
        return e.getCause().getMessage();
    }

    @Test
    @Order(1)
    void shouldGiveEachOfSeveralConcurrentClientsThePlaintextPredictionsOfItsOwnImages() throws Exception {
        final List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            final String name = CLIENTS.get(c);
            final int seed = c;
            runs.add(CompletableFuture.runAsync(() -> {
                try (ObscuraClient client = ObscuraClient.connect(service.clientConfig(name))) {
                    for (int r = 0; r < 2; r++) {
                        final float[][] images = images(1 + (seed + r) % 3, 100 * seed + r);
                        assertMatchesPlaintext(weights, images, client.classify(images));
                    }
                }
            }));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        final InferenceService.Stats stats = service.party(0).stats();
        assertTrue(stats.batches() >= 1 && stats.images() >= 6, stats.toString());
        assertTrue(stats.batchSizes().keySet().stream().allMatch(s -> s <= MAX_BATCH), stats.toString());
        assertEquals(stats.batches(), service.party(1).stats().batches(), "both parties ran the same batches");
    }

    @Test
    @Order(2)
    void shouldFillThePoolInTheBackgroundAtBothPartiesAndServeTheNextBatchFromIt() throws Exception {
        try (ObscuraClient client = ObscuraClient.connect(service.clientConfig(CLIENTS.get(3)))) {
            // A first batch records the plan (if none ran before); then each party's filler fetches the next pass.
            final float[][] first = images(2, 77);
            assertMatchesPlaintext(weights, first, client.classify(first));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (int party = 0; party < 2; party++) {
                while (service.party(party).stats().poolDepth() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, service.party(party).stats().poolDepth(), "party " + party + "'s pool, idle: "
                    + service.party(party).stats());
            }
            final long fromPool = service.party(0).stats().batchesFromPool();
            final float[][] next = images(3, 78);
            assertMatchesPlaintext(weights, next, client.classify(next));
            assertTrue(service.party(0).stats().batchesFromPool() > fromPool, "the next batch came from the pool: "
                + service.party(0).stats());
        }
    }

    @Test
    @Order(0)
    void shouldPadBatchesWithoutAPoolToThePowerOfTwoAbove() {
        assertEquals(1, InferenceService.bucket(1, 64));
        assertEquals(2, InferenceService.bucket(2, 64));
        assertEquals(4, InferenceService.bucket(3, 64));
        assertEquals(8, InferenceService.bucket(5, 64));
        assertEquals(64, InferenceService.bucket(33, 64));
        assertEquals(64, InferenceService.bucket(64, 64));
        assertEquals(48, InferenceService.bucket(40, 48));
    }

    @Test
    @Order(1)
    void shouldRunTheReadmeClientSnippet() {
        final float[][] images = images(2, 5);
        final int[] got = ClientEmbeddingTest.readmeSnippet(dir.resolve("service").resolve("certs"),
            service.party(0).address().getPort(), service.party(1).address().getPort(), images);
        final double[][] expected = plaintext(weights, images);
        for (int i = 0; i < images.length; i++) {
            assertEquals(Classifier.argmax(expected[i], 1)[0], got[i], "image " + i);
        }
    }

    @Test
    @Order(2)
    void shouldRefuseMalformedOversizedAndWrongShapeRequestsAndStillServeOthers() throws Exception {
        try (RpcClient c = raw("carol", 0)) {
            assertTrue(remoteError(c.call(new byte[] {1, 2, 3}, Duration.ofSeconds(10))).contains("malformed"));
            // The header claims more images than a request may hold: refused before the body is read.
            final byte[] tooMany = InferenceWire.encode(new InferenceWire.Request(1, 16, MAX_BATCH + 1,
                new int[] {1, 28, 28}, new long[784]));
            assertTrue(remoteError(c.call(tooMany, Duration.ofSeconds(10))).contains("images per request"));
            final byte[] shape = InferenceWire.encode(new InferenceWire.Request(2, 16, 1, new int[] {2, 14, 28},
                new long[784]));
            assertTrue(remoteError(c.call(shape, Duration.ofSeconds(10))).contains("wrong image shape"));
            final byte[] bits = InferenceWire.encode(new InferenceWire.Request(3, 20, 1, new int[] {1, 28, 28},
                new long[784]));
            assertTrue(remoteError(c.call(bits, Duration.ofSeconds(10))).contains("fixed-point bits"));
            final byte[] truncated = java.util.Arrays.copyOf(InferenceWire.encode(new InferenceWire.Request(4, 16, 1,
                new int[] {1, 28, 28}, new long[784])), 100);
            assertTrue(remoteError(c.call(truncated, Duration.ofSeconds(10))).contains("malformed"));
        }
        try (RpcClient c = raw("carol", 0)) {
            // A frame over the service's limit: the connection is refused, not the service.
            final byte[] huge = new byte[InferenceWire.REQUEST_HEADER_BYTES + 8 * 784 * (MAX_BATCH + 4)];
            assertNotNull(remoteError(c.call(huge, Duration.ofSeconds(10))));
        }
        try (ObscuraClient bob = ObscuraClient.connect(service.clientConfig("bob"))) {
            final float[][] images = images(2, 7);
            assertMatchesPlaintext(weights, images, bob.classify(images));
        }
    }

    @Test
    @Order(3)
    void shouldRefuseValuesOutsideTheFixedPointRangeAndImagesOfTheWrongSizeAtTheClient() {
        try (ObscuraClient bob = ObscuraClient.connect(service.clientConfig("bob"))) {
            final float[][] images = images(2, 8);
            images[1][5] = Float.NaN;
            final IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> bob.classify(images));
            assertTrue(nan.getMessage().contains("image 1, value 5 is outside the fixed-point range"),
                nan.getMessage());
            images[1][5] = 1e30f;
            assertThrows(IllegalArgumentException.class, () -> bob.classify(images));
            final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> bob.classify(new float[][] {new float[100]}));
            assertTrue(size.getMessage().contains("expected 784"), size.getMessage());
        }
    }

    @Test
    @Order(4)
    void shouldRefuseAClientWhoseCertificateIsNotFromTheConfiguredCa() {
        final Path other = dir.resolve("other-ca");
        TestCertificates.write(List.of("alice"), List.of("127.0.0.1"), other, Duration.ofDays(1));
        final ObscuraClient.Config config = service.clientConfig("alice").tls(other.resolve("alice.crt"),
            other.resolve("alice.key"), other.resolve("ca.crt")).connectTimeout(Duration.ofSeconds(3));
        assertThrows(RpcException.class, () -> ObscuraClient.connect(config));
    }

    @Test
    @Order(5)
    void shouldLimitEachClientsRequestRate() throws Exception {
        try (RpcClient c = raw("dave", 0)) {
            final List<CompletableFuture<byte[]>> calls = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                calls.add(c.call(new byte[] {0}, Duration.ofSeconds(10)));
            }
            int limited = 0;
            for (final CompletableFuture<byte[]> call : calls) {
                if (remoteError(call).contains("rate limit")) {
                    limited++;
                }
            }
            assertTrue(limited >= 5, "limited=" + limited);
        }
        // Another client is not limited by dave's requests.
        try (ObscuraClient alice = ObscuraClient.connect(service.clientConfig("alice"))) {
            final float[][] images = images(1, 9);
            assertMatchesPlaintext(weights, images, alice.classify(images));
        }
    }

    @Test
    @Order(6)
    void shouldDropAClientThatDisconnectsMidRequestAndServeTheOthers() throws Exception {
        // erin sends its share to party 0 only and leaves: party 1 never gets its share of that request.
        try (RpcClient c = raw("erin", 0)) {
            c.call(InferenceWire.encode(new InferenceWire.Request(42, 16, 1, new int[] {1, 28, 28},
                new long[784])), Duration.ofSeconds(10));
        }
        try (ObscuraClient alice = ObscuraClient.connect(service.clientConfig("alice"))) {
            final float[][] images = images(3, 10);
            assertMatchesPlaintext(weights, images, alice.classify(images));
        }
    }

    @Test
    @Order(7)
    void shouldFailRequestsClearlyWithinTheTimeOutWhenAComputePartyDies() throws InterruptedException {
        try (ObscuraClient alice = ObscuraClient.connect(service.clientConfig("alice").timeout(
            Duration.ofSeconds(20)).connectTimeout(Duration.ofSeconds(2)))) {
            service.party(1).crash();
            final ObscuraClientException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(ObscuraClientException.class, () -> alice.classify(images(1, 11))));
            assertTrue(e.getMessage().contains("party-"), e.getMessage());
            // Party 0 learns that its peer failed, fails what it holds and refuses new requests with the reason;
            // it does not stop: it keeps trying to join its peer again (ServeCommandTest restarts the peer).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (service.party(0).failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertNotNull(service.party(0).failure());
            assertFalse(service.party(0).done().isDone(), "party 0 gave up instead of joining its peer again");
        }
    }
}
