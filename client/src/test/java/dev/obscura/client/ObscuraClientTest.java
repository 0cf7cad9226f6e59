package dev.obscura.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.network.TestCertificates;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.network.rpc.RpcServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against two stand-in compute parties over mutual TLS, in a JVM without the project's
 * {@code --add-opens} (this module's tests run as an embedding application would): each stand-in answers with its
 * share of the first ten values of every image as "logits", so the client's sharing and reconstruction must give
 * back exactly those values, while neither party's share equals them.
 */
class ObscuraClientTest {
    @TempDir
    Path dir;

    @Test
    void shouldShareImagesAndAddThePartiesSharesBack() {
        TestCertificates.write(List.of("party-0", "party-1", "alice"), List.of("127.0.0.1", "127.0.0.1",
            "127.0.0.1"), dir, Duration.ofDays(1));
        final List<long[]> seen = new ArrayList<>();
        final List<RpcServer> servers = new ArrayList<>();
        try {
            for (int p = 0; p < 2; p++) {
                final String name = "party-" + p;
                final Tls tls = Tls.forFiles(dir.resolve(name + ".crt"), dir.resolve(name + ".key"),
                    dir.resolve("ca.crt"), TlsProvider.JDK, "test", name);
                servers.add(RpcServer.start(new RpcServer.Context().name(name).service(InferenceWire.SERVICE)
                    .listen(new InetSocketAddress("127.0.0.1", 0)).tls(tls).callers(Set.of("alice"))
                    .handler(request -> {
                        final InferenceWire.Request r = InferenceWire.decodeRequest(request.payload(), 64, 784);
                        synchronized (seen) {
                            seen.add(r.shares().clone());
                        }
                        final long[] logits = new long[r.count() * 10];
                        for (int i = 0; i < r.count(); i++) {
                            System.arraycopy(r.shares(), i * 784, logits, i * 10, 10);
                        }
                        return CompletableFuture.completedFuture(InferenceWire.encode(new InferenceWire.Response(
                            r.id(), r.count(), 10, logits)));
                    })));
            }
            final float[][] images = new float[3][784];
            for (int i = 0; i < 3; i++) {
                for (int k = 0; k < 10; k++) {
                    images[i][k] = (k == 7 - i ? 2.5f : 0) - 0.25f * k;
                }
            }
            try (ObscuraClient client = ObscuraClient.connect(new ObscuraClient.Config()
                .tls(dir.resolve("alice.crt"), dir.resolve("alice.key"), dir.resolve("ca.crt"))
                .party("party-0", "127.0.0.1", servers.get(0).address().getPort())
                .party("party-1", "127.0.0.1", servers.get(1).address().getPort()))) {
                final ObscuraClient.Result r = client.classify(images);
                assertArrayEquals(new int[] {7, 6, 5}, r.predictions());
                for (int i = 0; i < 3; i++) {
                    for (int k = 0; k < 10; k++) {
                        assertEquals(images[i][k], r.logits()[i][k], 0.0, "image " + i + " value " + k);
                    }
                }
                assertEquals(2, seen.size());
                // Neither share is the encoded image: image 0's first value is -0.0 * 2^16 + 0 = 0 in plaintext.
                assertNotEquals(0L, seen.get(0)[784]);
                assertNotEquals(0L, seen.get(1)[784]);
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> client.classify(new float[][] {{Float.POSITIVE_INFINITY}}));
                assertTrue(e.getMessage().contains("expected 784"), e.getMessage());
            }
        } finally {
            servers.forEach(RpcServer::close);
        }
    }
}
