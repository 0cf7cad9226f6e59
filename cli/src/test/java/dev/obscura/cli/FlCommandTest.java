package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.federated.worker.WorkerConfig;
import dev.obscura.federated.worker.WorkerServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code obscura fl} in-process and with remote workers, {@code obscura worker}, and certificates for workers. */
final class FlCommandTest {
    @TempDir
    static Path dir;

    private static Path mnist;

    @BeforeAll
    static void data() {
        mnist = SyntheticMnist.write(dir.resolve("mnist"), 200, 50);
    }

    @Test
    void shouldRunFederatedAveragingInProcessAndPrintEveryRound() {
        for (final String split : new String[] {"--fraction=1", "--non-iid"}) {
            final CommandRun r = CommandRun.of("fl", "--workers", "2", "--rounds", "2", "--batch", "20",
                "--data", mnist.toString(), "--test-limit", "50", split, "--model",
                dir.resolve("fl.obscura").toString());
            assertEquals(0, r.status(), r.err() + r.out());
            assertTrue(r.out().contains("2 in-process workers"), r.out());
            assertTrue(r.out().contains("round 1/2: test accuracy"), r.out());
            assertTrue(r.out().contains("round 2/2: test accuracy"), r.out());
            assertTrue(r.out().contains("Final test accuracy"), r.out());
            assertTrue(Files.isRegularFile(dir.resolve("fl.obscura")));
        }
    }

    @Test
    void shouldRunSecureAggregationWithDifferentialPrivacyAndPrintThePrivacySpent() {
        final CommandRun r = CommandRun.of("fl", "--workers", "3", "--rounds", "2", "--batch", "20",
            "--data", mnist.toString(), "--test-limit", "50", "--secure-agg", "--dp-epsilon", "8", "--clip", "1");
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("Aggregation: DP-FedAvg (McMahan et al. 2018), sum by secure aggregation"),
            r.out());
        assertTrue(r.out().contains("round 2/2: test accuracy") && r.out().contains("epsilon"), r.out());
        assertTrue(r.out().contains("Privacy spent: epsilon = "), r.out());
        final String line = r.out().lines().filter(l -> l.startsWith("Privacy spent")).findFirst().orElseThrow();
        final double eps = Double.parseDouble(line.replaceAll(".*epsilon = ([0-9.]+).*", "$1"));
        assertTrue(eps > 7 && eps <= 8.0001, line);
        final CommandRun plain = CommandRun.of("fl", "--workers", "2", "--rounds", "1", "--batch", "20",
            "--data", mnist.toString(), "--test-limit", "50", "--secure-agg");
        assertEquals(0, plain.status(), plain.err() + plain.out());
        assertTrue(plain.out().contains("Aggregation: secure aggregation (Bonawitz"), plain.out());
        assertTrue(plain.out().contains("Privacy spent: no differential privacy"), plain.out());
        final CommandRun additive = CommandRun.of("fl", "--workers", "2", "--rounds", "1", "--batch", "20",
            "--data", mnist.toString(), "--test-limit", "50", "--secure-agg", "additive", "--aggregators", "2",
            "--dp-noise", "0.5", "--clip", "2");
        assertEquals(0, additive.status(), additive.err() + additive.out());
        assertTrue(additive.out().contains("additive sharing among 2 aggregator workers (aggregator-0, aggregator-1)"),
            additive.out());
        assertTrue(additive.out().contains("2/2 workers"), additive.out());
        assertTrue(additive.out().contains("Privacy spent: epsilon = "), additive.out());
    }

    @Test
    void shouldRefuseBadPrivacySettings() {
        final CommandRun both = CommandRun.of("fl", "--dp-epsilon", "1", "--dp-noise", "1");
        assertEquals(2, both.status());
        assertTrue(both.err().contains("give only one of --dp-epsilon and --dp-noise"), both.err());
        final CommandRun none = CommandRun.of("fl", "--clip", "1");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("give --dp-epsilon or --dp-noise"), none.err());
        final CommandRun clip = CommandRun.of("fl", "--dp-epsilon", "1", "--clip", "-1");
        assertEquals(2, clip.status());
        assertTrue(clip.err().contains("--clip must be a positive number"), clip.err());
        final CommandRun delta = CommandRun.of("fl", "--dp-noise", "1", "--dp-delta", "2");
        assertEquals(2, delta.status());
        assertTrue(delta.err().contains("--dp-delta must be in (0, 1)"), delta.err());
        final CommandRun one = CommandRun.of("fl", "--workers", "4", "--fraction", "0.25", "--secure-agg");
        assertEquals(2, one.status());
        assertTrue(one.err().contains("--secure-agg needs 2 or more workers per round"), one.err());
        final CommandRun kind = CommandRun.of("fl", "--secure-agg", "shamir");
        assertEquals(2, kind.status());
        assertTrue(kind.err().contains("--secure-agg must be pairwise or additive"), kind.err());
        final CommandRun named = CommandRun.of("fl", "--aggregator", "w0");
        assertEquals(2, named.status());
        assertTrue(named.err().contains("--aggregator needs --secure-agg additive"), named.err());
    }

    @Test
    void shouldRefuseBadSettingsInOneLine() {
        final CommandRun r = CommandRun.of("fl", "--workers", "101");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--workers must be between 2 and 100"), r.err());
        final CommandRun f = CommandRun.of("fl", "--fraction", "0");
        assertEquals(2, f.status());
        assertTrue(f.err().contains("--fraction must be in (0, 1]"), f.err());
        final CommandRun t = CommandRun.of("fl", "--round-timeout", "soon");
        assertEquals(2, t.status());
        assertTrue(t.err().contains("--round-timeout"), t.err());
    }

    @Test
    void shouldRunFederatedAveragingOnRemoteWorkersThatHoldTheirOwnData() throws IOException {
        final Path conf = workersConfig(dir.resolve("remote"));
        final CommandRun certs = CommandRun.of("certs", "--workers", conf.toString());
        assertEquals(0, certs.status(), certs.err());
        assertTrue(certs.out().contains("w0, w1, coordinator"), certs.out());
        final WorkerConfig config = WorkerConfig.read(conf);
        final MnistData data = Mnist.load(mnist, 200, 50);
        final List<WorkerServer> servers = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                servers.add(WorkerServer.start(config, "w" + i, FlCommand.datasets(FlCommand.shard(data.train(), i, 2,
                    false, 42))));
            }
            final CommandRun r = CommandRun.of("fl", "--config", conf.toString(), "--rounds", "1", "--batch", "20",
                "--data", mnist.toString(), "--test-limit", "50");
            assertEquals(0, r.status(), r.err() + r.out());
            assertTrue(r.out().contains("2 remote workers"), r.out());
            assertTrue(r.out().contains("round 1/1: test accuracy"), r.out());
            assertTrue(r.out().contains("2/2 workers"), r.out());
            // Secure aggregation and DP-FedAvg with the workers over mutual TLS: the same ops, the same answers.
            final CommandRun s = CommandRun.of("fl", "--config", conf.toString(), "--rounds", "1", "--batch", "20",
                "--data", mnist.toString(), "--test-limit", "50", "--secure-agg", "--dp-noise", "0.5");
            assertEquals(0, s.status(), s.err() + s.out());
            assertTrue(s.out().contains("sum by secure aggregation (Bonawitz"), s.out());
            assertTrue(s.out().contains("2/2 workers") && s.out().contains("Privacy spent: epsilon = "), s.out());
        } finally {
            servers.forEach(WorkerServer::close);
        }
        final CommandRun w = CommandRun.of("worker", "--config", conf.toString(), "--name", "w0", "--shard", "0/2",
            "--data", mnist.toString(), "--run-for", "300ms");
        assertEquals(0, w.status(), w.err());
        assertTrue(w.out().contains("Holding part 0 of 2 of MNIST"), w.out());
        assertTrue(w.out().contains("Worker w0 listening on"), w.out());
        assertTrue(w.out().contains("Worker w0 stopping"), w.out());
        final CommandRun bad = CommandRun.of("worker", "--config", conf.toString(), "--name", "w0", "--shard", "2/2");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--shard must be I/N"), bad.err());
    }

    private static Path workersConfig(final Path d) throws IOException {
        Files.createDirectories(d);
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                text.append("worker.w").append(i).append(" = 127.0.0.1:").append(s.getLocalPort()).append('\n');
            }
        }
        text.append("callers = coordinator\ntls.ca = certs/ca.crt\ntls.certificate = certs/{name}.crt\n"
            + "tls.key = certs/{name}.key\ntimeout = 60s\nconnect-timeout = 20s\n");
        return Files.writeString(d.resolve("workers.conf"), text.toString());
    }
}
