package dev.obscura.examples;

import dev.obscura.federated.worker.Workers;
import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The remote-execution examples again, unchanged, on remote workers over mutual TLS on loopback. */
final class ExamplesOverTlsTest {
    @Test
    void shouldRunTheRemoteExecutionTutorialOnRemoteWorkers() throws InterruptedException {
        try (Workers workers = Examples.workers(new String[] {"--loopback"}, "bob", "alice", "secure")) {
            ExamplesTest.remoteExecution(workers, new PrintStream(OutputStream.nullOutputStream()));
        }
    }
}
