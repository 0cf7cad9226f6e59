package dev.obscura.benchmarks;

import dev.obscura.network.LoopbackNetwork;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.TcpTransport;
import dev.obscura.network.TlsProvider;
import dev.obscura.ring.RingTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Payload throughput of one connection of the TCP transport on loopback: one frame of {@code elements} ring
 * elements from party 0 to party 1 and received into a tensor there, with TLS 1.3 through BoringSSL
 * ({@code openssl}), through the JDK's provider ({@code jdk}), and without TLS ({@code none}, plain TCP, the floor).
 * GB/s = {@code 8 x elements / time}. The choice of the default TLS provider rests on this benchmark.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar TransportBenchmark
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO,
    "-Dio.netty.tryReflectionSetAccessible=true"})
@State(Scope.Benchmark)
public class TransportBenchmark {
    /** Elements per frame: 1 MiB and 16 MiB of payload. */
    @Param({"131072", "2097152"})
    public int elements;

    /** TLS provider: {@code openssl} (BoringSSL), {@code jdk}, or {@code none} (plain TCP). */
    @Param({"openssl", "jdk", "none"})
    public String tls;

    private Path dir;
    private TcpTransport sender;
    private TcpTransport receiver;
    private RingTensor out;
    private RingTensor in;

    @Setup
    public void setup() throws Exception {
        dir = Files.createTempDirectory("obscura-transport-bench");
        final NetworkConfig config = LoopbackNetwork.deployment(dir, "additive-dealer", 2, List.of(),
            "max-frame-bytes = 1GiB\n");
        final TlsProvider provider = switch (tls) {
            case "openssl" -> TlsProvider.OPENSSL;
            case "jdk" -> TlsProvider.JDK;
            case "none" -> TlsProvider.NONE_FOR_MEASUREMENT_ONLY;
            default -> throw new IllegalArgumentException("tls must be openssl, jdk or none, tls=" + tls);
        };
        final CompletableFuture<TcpTransport> one = CompletableFuture.supplyAsync(() -> TcpTransport.open(
            new TcpTransport.Context().config(config).self(1).tlsProvider(provider)));
        sender = TcpTransport.open(new TcpTransport.Context().config(config).self(0).tlsProvider(provider));
        receiver = one.get(60, TimeUnit.SECONDS);
        out = RingTensor.zeros(elements);
        in = RingTensor.zeros(elements);
        for (int i = 0; i < elements; i++) {
            out.set(i, i * 0x9E3779B97F4A7C15L);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        sender.close();
        receiver.close();
        out.close();
        in.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One frame across: encrypted from the tensor's memory, decrypted and copied into the receiving tensor. */
    @Benchmark
    public RingTensor frame() {
        sender.send(1, out);
        receiver.receive(0, in);
        return in;
    }
}
