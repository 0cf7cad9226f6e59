package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.TransportException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Endpoints that must not talk are stopped at connection, within seconds, with a message naming the setting and the
 * peer: a different suite, fixed-point bits, party count or any other shared setting, a certificate from another
 * authority or with another endpoint's name. Strangers on the port do not disturb the real peers.
 */
final class HandshakeTest {
    /** How long a refused connection may take: far below the 20 s connect time-out of the loopback deployment. */
    private static final long FAST_MS = 10_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "suite = additive-dealer|suite = other-suite|the endpoints disagree on suite: here suite=",
        "# loopback test deployment|fixed-point-bits = 12|the endpoints disagree on fixed-point-bits: here",
        "heartbeat-interval = 1s|heartbeat-interval = 2s|configuration files differ (heartbeat-interval: here ",
        "# loopback test deployment|max-frame-bytes = 1MiB|configuration files differ (max-frame-bytes: here",
    })
    void shouldRefuseAPeerThatDisagreesNamingTheSettingAndThePeer(final String from, final String to,
                                                                  final String message) {
        final Loopback net = Loopback.create(dir, 2, List.of(), "heartbeat-interval = 1s\n");
        final NetworkConfig other = net.variant("other.conf", text -> text.replace(from, to));
        final long start = System.nanoTime();
        final List<Object> outcomes = openEach(List.of(net.config(), other), c -> c);
        final long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < FAST_MS, "took " + ms + " ms");
        final TransportException at0 = assertInstanceOf(TransportException.class, outcomes.get(0));
        final TransportException at1 = assertInstanceOf(TransportException.class, outcomes.get(1));
        assertTrue(at0.getMessage().contains(message) && at0.getMessage().contains("endpoint 1 (party-1)"),
            at0.getMessage());
        assertTrue(at1.getMessage().contains(message) && at1.getMessage().contains("endpoint 0 (party-0)"),
            at1.getMessage());
    }

    @Test
    void shouldRefuseAPeerWithAnotherPartyCount() {
        final Loopback net = Loopback.create(dir, 2, List.of(), "connect-timeout = 5s\n");
        final int extraPort = LoopbackNetwork.freePorts(1).get(0);
        final NetworkConfig three = net.variant("three.conf", text -> text + "party.2 = 127.0.0.1:" + extraPort + "\n");
        final List<Object> outcomes = openEach(List.of(net.config(), three), c -> c);
        final TransportException at0 = assertInstanceOf(TransportException.class, outcomes.get(0));
        assertTrue(at0.getMessage().contains("disagree on parties: here parties=2, endpoint 1 (party-1) has parties=3"),
            at0.getMessage());
    }

    @Test
    void shouldRefuseACertificateFromAnotherAuthority() {
        final Loopback net = Loopback.create(dir, 3, List.of(), "connect-timeout = 4s\n");
        // Party 1 holds a certificate with the right name from a CA the others do not trust, and trusts that CA.
        TestCertificates.write(List.of("party-1"), List.of("127.0.0.1"), dir.resolve("rogue"), Duration.ofDays(1));
        final NetworkConfig rogue = net.variant("rogue.conf", text -> text.replace("tls.ca = certs/ca.crt",
            "tls.ca = rogue/ca.crt").replace("tls.certificate = certs/{name}.crt", "tls.certificate = rogue/{name}.crt")
            .replace("tls.key = certs/{name}.key", "tls.key = rogue/{name}.key"));
        final List<Object> outcomes = openEach(List.of(net.config(), rogue, net.config()), c -> c);
        // Every endpoint fails; the honest ones name party 1, and the refusal is a failed TLS handshake (which
        // endpoint reports it first depends on timing: party 1 gives up and stops listening once refused).
        final StringBuilder all = new StringBuilder();
        for (int e = 0; e < 3; e++) {
            final TransportException failure = assertInstanceOf(TransportException.class, outcomes.get(e));
            all.append(failure.getMessage()).append('\n');
            if (e != 1) {
                assertTrue(failure.getMessage().contains("endpoint 1 (party-1)"), failure.getMessage());
            }
        }
        assertTrue(all.toString().contains("TLS handshake failed"), all.toString());
    }

    @Test
    void shouldRefuseACertificateWithAnotherEndpointsName() {
        final Loopback net = Loopback.create(dir, 2, List.of(), "connect-timeout = 4s\n");
        final NetworkConfig impostor = net.variant("impostor.conf", text -> text.replace(
            "tls.certificate = certs/{name}.crt\ntls.key = certs/{name}.key",
            "tls.certificate = certs/party-0.crt\ntls.key = certs/party-0.key"));
        final List<Object> outcomes = openEach(List.of(net.config(), impostor), c -> c);
        final TransportException at0 = assertInstanceOf(TransportException.class, outcomes.get(0));
        assertTrue(at0.getMessage().contains("its certificate names 'party-0', expected 'party-1'"),
            at0.getMessage());
    }

    @Test
    void shouldIgnoreStrangersOnThePortAndStillConnectThePeers() throws Exception {
        final Loopback net = Loopback.create(dir, 2, List.of(), "");
        final int port = net.config().endpoint(1).port();
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            final Future<TcpTransport> one = pool.submit(() -> TcpTransport.open(
                new TcpTransport.Context().config(net.config()).self(1)));
            // Garbage instead of TLS, twice, once the port is open.
            final byte[] junk = new byte[4096];
            new Random(3).nextBytes(junk);
            for (int i = 0; i < 2; i++) {
                try (Socket s = connectWithRetry(port); OutputStream out = s.getOutputStream()) {
                    out.write(junk);
                    out.flush();
                    s.setSoTimeout(5000);
                    // The endpoint answers with at most a TLS alert, then closes (a time-out here fails the test).
                    final byte[] sink = new byte[1 << 16];
                    int n = 0;
                    try {
                        while (n >= 0) {
                            n = s.getInputStream().read(sink);
                        }
                    } catch (java.net.SocketException reset) {
                        // closed with a reset: closed all the same
                    }
                }
            }
            final Future<TcpTransport> zero = pool.submit(() -> TcpTransport.open(
                new TcpTransport.Context().config(net.config()).self(0)));
            try (TcpTransport a = zero.get(30, TimeUnit.SECONDS); TcpTransport b = one.get(30, TimeUnit.SECONDS)) {
                a.sendBytes(1, new byte[] {9});
                assertEquals(9, b.receiveBytes(0)[0]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Socket connectWithRetry(final int port) throws Exception {
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return new Socket(InetAddress.getLoopbackAddress(), port);
            } catch (java.net.ConnectException e) {
                if (System.nanoTime() > until) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** Opens endpoint {@code i} with {@code configs[i]}, all at once; each outcome is a transport or a failure. */
    static List<Object> openEach(final List<NetworkConfig> configs, final UnaryOperator<TcpTransport.Context> set) {
        final List<CompletableFuture<Object>> futures = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            final int self = i;
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return TcpTransport.open(set.apply(new TcpTransport.Context().config(configs.get(self)).self(self)));
                } catch (RuntimeException e) {
                    return e;
                }
            }, r -> {
                final Thread t = new Thread(r, "open-" + self);
                t.setDaemon(true);
                t.start();
            }));
        }
        final List<Object> out = new ArrayList<>();
        for (final CompletableFuture<Object> f : futures) {
            out.add(f.orTimeout(Loopback.OPEN_WAIT_SECONDS, TimeUnit.SECONDS).join());
        }
        for (final Object o : out) {
            if (o instanceof TcpTransport t) {
                t.close();
            }
        }
        return out;
    }
}
