package dev.obscura.network.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.network.TestCertificates;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.network.rpc.RpcException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls over mutual TLS on loopback: ids, concurrency and time-outs; who is refused and how; a service that dies;
 * hostile frames.
 */
final class RpcTest {
    private static final String SERVICE = "obscura-test/1";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> callersSeen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void certificates() {
        TestCertificates.write(List.of("svc", "alice", "mallory", "impostor"),
            List.of("127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"), dir.resolve("certs"), Duration.ofDays(1));
        TestCertificates.write(List.of("alice"), List.of("127.0.0.1"), dir.resolve("foreign"), Duration.ofDays(1));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Tls tls(final String name) {
        return tls("certs", name);
    }

    private Tls tls(final String folder, final String name) {
        final Path d = dir.resolve(folder);
        return Tls.forFiles(d.resolve(name + ".crt"), d.resolve(name + ".key"), d.resolve("ca.crt"), TlsProvider.AUTO,
            "test", name);
    }

    private RpcServer server(final String name, final RpcHandler handler) {
        final RpcServer s = RpcServer.start(new RpcServer.Context().name("svc").service(SERVICE)
            .listen(new InetSocketAddress("127.0.0.1", 0)).tls(tls(name)).callers(Set.of("alice"))
            .handler(handler).maxMessageBytes(1 << 16).maxInFlight(8));
        open.add(s);
        return s;
    }

    private RpcServer echo() {
        return server("svc", request -> {
            callersSeen.add(request.caller());
            return CompletableFuture.completedFuture(reverse(request.payload()));
        });
    }

    private RpcClient client(final RpcServer s, final Tls tls, final String serverName, final String service) {
        final RpcClient c = RpcClient.connect(new RpcClient.Context().address("127.0.0.1", s.address().getPort())
            .serverName(serverName).service(service).tls(tls).connectTimeout(Duration.ofSeconds(10))
            .maxMessageBytes(1 << 16));
        open.add(c);
        return c;
    }

    private RpcClient alice(final RpcServer s) {
        return client(s, tls("alice"), "svc", SERVICE);
    }

    private static byte[] reverse(final byte[] in) {
        final byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = in[in.length - 1 - i];
        }
        return out;
    }

    private static byte[] get(final CompletableFuture<byte[]> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static RpcException failure(final CompletableFuture<byte[]> f) {
        final ExecutionException e = assertThrows(ExecutionException.class,
            () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        return (RpcException) e.getCause();
    }

    @Test
    void shouldAnswerEachRequestWithItsOwnResponseAndNameTheCaller() throws Exception {
        final RpcClient c = alice(echo());
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(c.call(("request " + i).getBytes(StandardCharsets.UTF_8), WAIT));
        }
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(reverse(("request " + i).getBytes(StandardCharsets.UTF_8)), get(calls.get(i)));
        }
        assertTrue(callersSeen.stream().allMatch("alice"::equals), "caller names: " + callersSeen);
        assertEquals(get(c.call(new byte[0], WAIT)).length, 0);
    }

    @Test
    void shouldMatchResponsesThatArriveOutOfOrder() throws Exception {
        final List<CompletableFuture<byte[]>> held = new CopyOnWriteArrayList<>();
        final List<byte[]> payloads = new CopyOnWriteArrayList<>();
        final RpcClient c = alice(server("svc", request -> {
            final CompletableFuture<byte[]> f = new CompletableFuture<>();
            held.add(f);
            payloads.add(request.payload());
            return f;
        }));
        final CompletableFuture<byte[]> first = c.call(new byte[] {1}, WAIT);
        final CompletableFuture<byte[]> second = c.call(new byte[] {2}, WAIT);
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (held.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        held.get(1).complete(payloads.get(1));
        assertEquals(payloads.get(1)[0], get(second)[0]);
        assertFalse(first.isDone());
        held.get(0).complete(payloads.get(0));
        assertEquals(payloads.get(0)[0], get(first)[0]);
    }

    @Test
    void shouldPassTheServicesErrorMessageBack() {
        final RpcClient c = alice(server("svc", request -> CompletableFuture.failedFuture(
            new IllegalArgumentException("no such object, id=7, worker=svc"))));
        final RpcException e = failure(c.call(new byte[3], WAIT));
        assertEquals(Reason.REMOTE, e.reason());
        assertEquals("no such object, id=7, worker=svc", e.getMessage());
        final RpcClient d = alice(server("svc", request -> {
            throw new IllegalStateException("thrown, not returned");
        }));
        assertEquals("thrown, not returned", failure(d.call(new byte[1], WAIT)).getMessage());
    }

    @Test
    void shouldTimeOutACallAndKeepTheConnectionUsable() throws Exception {
        final RpcClient c = alice(server("svc", request -> request.payload().length == 0
            ? new CompletableFuture<>() : CompletableFuture.completedFuture(request.payload())));
        final RpcException e = failure(c.call(new byte[0], Duration.ofMillis(200)));
        assertEquals(Reason.TIMEOUT, e.reason());
        assertTrue(e.getMessage().contains("timed out after 200 ms waiting for svc at 127.0.0.1:"), e.getMessage());
        assertArrayEquals(new byte[] {9}, get(c.call(new byte[] {9}, WAIT)));
    }

    @Test
    void shouldRefuseACallerThatIsNotAmongTheServicesCallers() {
        final RpcServer s = echo();
        final RpcException e = assertThrows(RpcException.class, () -> client(s, tls("mallory"), "svc", SERVICE));
        assertEquals(Reason.REFUSED, e.reason());
        assertTrue(e.getMessage().contains("caller mallory is not allowed to call svc"), e.getMessage());
        assertTrue(callersSeen.isEmpty());
        // The service keeps serving the callers it knows.
        assertEquals(0, assertDoesNotFail(() -> get(alice(s).call(new byte[0], WAIT)).length));
    }

    @Test
    void shouldRefuseACertificateOfAnotherAuthority() {
        final RpcServer s = echo();
        final RpcException e = assertThrows(RpcException.class, () -> client(s, tls("foreign", "alice"), "svc",
            SERVICE));
        assertEquals(Reason.DISCONNECTED, e.reason());
        assertTrue(e.getMessage().contains("svc at 127.0.0.1:") && e.getMessage().contains("TLS handshake")
            || e.getMessage().contains("ended"), e.getMessage());
        assertTrue(callersSeen.isEmpty());
    }

    @Test
    void shouldRefuseAServiceWhoseCertificateNamesAnotherService() {
        final RpcServer s = server("impostor", request -> CompletableFuture.completedFuture(new byte[0]));
        final RpcException e = assertThrows(RpcException.class, () -> alice(s));
        assertEquals(Reason.DISCONNECTED, e.reason());
        assertTrue(e.getMessage().contains("its certificate names impostor, not svc"), e.getMessage());
    }

    @Test
    void shouldRefuseAServiceOfAnotherProtocol() {
        final RpcServer s = echo();
        final RpcException e = assertThrows(RpcException.class, () -> client(s, tls("alice"), "svc",
            "obscura-other/1"));
        assertTrue(e.getMessage().contains("speaks obscura-test/1, not obscura-other/1"), e.getMessage());
    }

    @Test
    void shouldFailCallsInFlightAtOnceWhenTheServiceStops() {
        final RpcServer s = server("svc", request -> new CompletableFuture<>());
        final RpcClient c = alice(s);
        final CompletableFuture<byte[]> call = c.call(new byte[4], Duration.ofSeconds(60));
        s.close();
        final long start = System.nanoTime();
        final RpcException e = failure(call);
        assertEquals(Reason.DISCONNECTED, e.reason());
        assertTrue(e.getMessage().contains("the connection to svc at 127.0.0.1:"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
        assertEquals(Reason.DISCONNECTED, failure(c.call(new byte[1], WAIT)).reason());
        assertFalse(c.isOpen());
    }

    @Test
    void shouldGiveUpReachingAServiceThatIsNotThereAfterTheConnectTimeout() throws Exception {
        final int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        final RpcException e = assertThrows(RpcException.class, () -> RpcClient.connect(new RpcClient.Context()
            .address("127.0.0.1", port).serverName("svc").service(SERVICE).tls(tls("alice"))
            .connectTimeout(Duration.ofMillis(300))));
        assertEquals(Reason.DISCONNECTED, e.reason());
        assertTrue(e.getMessage().contains("could not reach svc at 127.0.0.1:" + port + " within 300 ms"),
            e.getMessage());
    }

    @Test
    void shouldRefuseAnOversizedRequestBeforeSendingIt() throws Exception {
        final RpcClient c = alice(echo());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> c.call(new byte[(1 << 16) + 1], WAIT));
        assertTrue(e.getMessage().contains("request larger than max-frame-bytes"), e.getMessage());
        assertEquals(1, get(c.call(new byte[1], WAIT)).length);
    }

    @Test
    void shouldHoldRequestsBeyondTheInFlightLimitAndRefuseAFlood() throws Exception {
        final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        final List<CompletableFuture<byte[]>> held = new CopyOnWriteArrayList<>();
        final RpcClient c = alice(server("svc", request -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            final CompletableFuture<byte[]> f = new CompletableFuture<>();
            held.add(f);
            return f.whenComplete((r, t) -> running.decrementAndGet());
        }));
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(c.call(new byte[] {(byte) i}, WAIT));
        }
        int answered = 0;
        int refused = 0;
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (answered + refused < 100 && System.nanoTime() < deadline) {
            for (final CompletableFuture<byte[]> f : held) {
                f.complete(new byte[] {1});
            }
            answered = 0;
            refused = 0;
            for (final CompletableFuture<byte[]> f : calls) {
                if (f.isDone()) {
                    if (f.isCompletedExceptionally()) {
                        assertTrue(failure(f).getMessage().contains("too many requests in flight on one connection,"
                            + " limit=8 running and 32 waiting"), failure(f).getMessage());
                        refused++;
                    } else {
                        answered++;
                    }
                }
            }
            Thread.sleep(2);
        }
        assertEquals(100, answered + refused);
        assertTrue(answered >= 40, "at least the running and waiting requests are served, answered=" + answered);
        assertTrue(most.get() <= 8, "at most 8 requests run at once, most=" + most.get());
        final CompletableFuture<byte[]> after = c.call(new byte[1], WAIT);
        while (!after.isDone() && System.nanoTime() < deadline) {
            held.forEach(f -> f.complete(new byte[] {2}));
            Thread.sleep(2);
        }
        assertEquals(2, get(after)[0]);
    }

    /** Frames a well-behaved client never sends: each closes the connection, and the service serves on. */
    @Test
    void shouldCloseTheConnectionOfAHostileCallerAndServeOthers() throws Exception {
        final RpcServer s = echo();
        final List<Function<ByteBuf, ByteBuf>> forgeries = List.of(
            b -> header(b, Integer.MAX_VALUE, 1, RpcFrameDescriptor.TYPE_REQUEST, 0, 1),       // oversized length
            b -> header(b, (1 << 16) + 17, 1, RpcFrameDescriptor.TYPE_REQUEST, 0, 1),          // one byte too long
            b -> header(b, 3, 1, RpcFrameDescriptor.TYPE_REQUEST, 0, 1),                       // shorter than a header
            b -> header(b, 16, 2, RpcFrameDescriptor.TYPE_REQUEST, 0, 1),                      // another version
            b -> header(b, 16, 1, 99, 0, 1),                                                   // unknown type
            b -> header(b, 16, 1, RpcFrameDescriptor.TYPE_RESPONSE, 0, 1),                     // wrong direction
            b -> header(b, 16, 1, RpcFrameDescriptor.TYPE_REQUEST, 5, 1),                      // reserved not zero
            b -> header(b, 16, 1, RpcFrameDescriptor.TYPE_REQUEST, 0, 0));                     // id 0
        for (final Function<ByteBuf, ByteBuf> forge : forgeries) {
            assertHostileFrameCloses(s, forge);
        }
        assertEquals(2, get(alice(s).call(new byte[2], WAIT)).length);
        // An id still in flight used again: the first request is held, so the second is a duplicate.
        final RpcServer holding = server("svc", request -> new CompletableFuture<>());
        assertHostileFrameCloses(holding, b -> header(header(b, 17, 1, RpcFrameDescriptor.TYPE_REQUEST, 0, 4)
            .writeByte(1), 17, 1, RpcFrameDescriptor.TYPE_REQUEST, 0, 4).writeByte(2));
    }

    private void assertHostileFrameCloses(final RpcServer s, final Function<ByteBuf, ByteBuf> forge)
        throws Exception {
        try (RawTlsClient raw = RawTlsClient.connect(s.address(), tls("alice"))) {
            raw.awaitWelcome(WAIT);
            raw.send(forge.apply(Unpooled.buffer()));
            assertTrue(raw.awaitClosed(WAIT), "the service must close a hostile connection");
        }
    }

    private static ByteBuf header(final ByteBuf b, final int length, final int version, final int type,
                                  final int reserved, final long id) {
        return b.writeIntLE(length).writeByte(version).writeByte(type).writeShortLE(reserved).writeLongLE(id);
    }

    private static <T> T assertDoesNotFail(final org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }
}
