package dev.obscura.examples;

import dev.obscura.federated.worker.LocalWorkers;
import dev.obscura.federated.worker.LoopbackWorkers;
import dev.obscura.federated.worker.RemoteWorkers;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.WorkerConfig;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.engine.PlainTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the examples share: the workers they run on, chosen by their command line, and a short way to write a
 * vector. Each example is a class with a {@code run(Workers, PrintStream)} method, which the tests call, and a
 * {@code main} that runs it:
 *
 * <ul>
 *   <li>no arguments: workers in this process ({@link LocalWorkers}, PySyft's virtual workers);</li>
 *   <li>{@code --loopback}: remote workers on this host over mutual TLS ({@link LoopbackWorkers}, test
 *       certificates in a temporary folder);</li>
 *   <li>{@code --config FILE [--caller NAME]}: the workers of a configuration, started with
 *       {@code obscura worker}.</li>
 * </ul>
 */
public final class Examples {
    private Examples() {
    }

    /** A vector of {@code values}. */
    public static PlainTensor vector(final float... values) {
        return new PlainTensor(values.clone(), values.length);
    }

    /** The workers {@code names}, as the command line {@code args} says (see the class comment). */
    public static Workers workers(final String[] args, final String... names) {
        final List<String> a = List.of(args);
        if (a.contains("--config")) {
            final WorkerConfig config = WorkerConfig.read(Path.of(a.get(a.indexOf("--config") + 1)));
            final String caller = a.contains("--caller") ? a.get(a.indexOf("--caller") + 1) : LoopbackWorkers.CALLER;
            return RemoteWorkers.connect(config, caller, List.of(names));
        }
        if (a.contains("--loopback")) {
            final Path dir;
            try {
                dir = Files.createTempDirectory("obscura-workers");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            final LoopbackWorkers servers = LoopbackWorkers.start(dir, names);
            final RemoteWorkers callers = servers.connect();
            return new Workers() {
                @Override
                public Worker get(final String name) {
                    return callers.get(name);
                }

                @Override
                public List<Worker> all() {
                    return callers.all();
                }

                @Override
                public void close() {
                    callers.close();
                    servers.close();
                }
            };
        }
        return LocalWorkers.start(names);
    }
}
