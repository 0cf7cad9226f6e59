package dev.obscura.federated.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.network.ConfigException;
import dev.obscura.network.rpc.RpcException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote workers over mutual TLS on loopback: the scenarios of the in-process test, run by the same code, give the
 * same answers; who is refused; a worker that stops.
 */
final class RemoteWorkersTest {
    @TempDir
    Path dir;

    @Test
    void shouldRunTheSameScenariosAsInProcessWithTheSameAnswers() {
        final float[] local;
        try (LocalWorkers workers = LocalWorkers.start("bob", "alice")) {
            Scenarios.pointersAndArithmetic(workers);
            Scenarios.autograd(workers);
            Scenarios.moves(workers);
            local = Scenarios.linearModel(workers);
        }
        try (LoopbackWorkers d = LoopbackWorkers.start(dir, "bob", "alice");
             RemoteWorkers workers = d.connect()) {
            Scenarios.pointersAndArithmetic(workers);
            Scenarios.autograd(workers);
            Scenarios.moves(workers);
            assertArrayEquals(local, Scenarios.linearModel(workers));
            workers.get("bob").flush();
            assertEquals(0, d.server("bob").objectCount());
            assertTrue(workers.get("bob").bytesSent() > 0 && workers.get("bob").bytesReceived() > 0);
        }
    }

    @Test
    void shouldRefuseACallerThatTheWorkersDoNotAllow() {
        try (LoopbackWorkers d = LoopbackWorkers.start(dir, "bob")) {
            final RpcException e = assertThrows(RpcException.class, () -> RemoteWorkers.connect(d.config(),
                "mallory"));
            assertEquals(RpcException.Reason.REFUSED, e.reason());
            assertTrue(e.getMessage().contains("caller mallory is not allowed to call bob"), e.getMessage());
            assertEquals(0, d.server("bob").objectCount());
        }
    }

    @Test
    void shouldFailRequestsToAWorkerThatStopped() {
        try (LoopbackWorkers d = LoopbackWorkers.start(dir, "bob", "alice");
             RemoteWorkers workers = d.connect()) {
            final RemoteTensor x = workers.get("bob").send(Scenarios.vector(1, 2));
            d.server("bob").close();
            final WorkerException e = assertThrows(WorkerException.class, () -> x.add(x));
            assertEquals(WorkerException.Kind.UNREACHABLE, e.kind());
            assertEquals("bob", e.worker());
            // The other worker serves on.
            assertArrayEquals(new float[] {3}, workers.get("alice").send(Scenarios.vector(3)).get().data());
        }
    }

    @Test
    void shouldReportAMistakeInTheConfigurationWithItsLine() {
        final ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.parse(
            "worker.bob = 127.0.0.1:7000\nwroker.alice = 127.0.0.1:7001\n", "workers.conf", dir));
        assertTrue(e.getMessage().startsWith("workers.conf:2: unknown key 'wroker.alice'"), e.getMessage());
        final ConfigException port = assertThrows(ConfigException.class, () -> WorkerConfig.parse(
            "worker.bob = 127.0.0.1:70000\n", "workers.conf", dir));
        assertTrue(port.getMessage().contains("workers.conf:1: worker.bob must be host:port"), port.getMessage());
        final WorkerConfig ok = WorkerConfig.parse("worker.bob = 127.0.0.1:7000\nworker.alice = host.example:7001\n"
            + "callers = coordinator, server\ntls.ca = ca.crt\ntls.certificate = {name}.crt\ntls.key = {name}.key\n",
            "workers.conf", dir);
        assertEquals(List.of("bob", "alice"), ok.workerNames());
        assertEquals(java.util.Set.of("alice", "bob", "coordinator", "server"), ok.allowedCallers());
    }
}
