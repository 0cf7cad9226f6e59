package dev.obscura.federated.worker;

import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.network.rpc.RpcClient;
import dev.obscura.network.rpc.RpcEventLoops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workers of a {@link WorkerConfig}, reached over mutual TLS 1.3 as caller {@code caller} (the common name of
 * this process's certificate, which the workers must allow). The same user code that drives {@link LocalWorkers}
 * drives these. Thread-safe.
 */
public final class RemoteWorkers implements Workers {
    private final RpcEventLoops loops;
    private final Map<String, Worker> handles = new LinkedHashMap<>();

    private RemoteWorkers(final WorkerConfig config, final String caller, final List<String> names) {
        final Tls tls = Tls.forFiles(config.certificateFile(caller), config.keyFile(caller), config.caFile(),
            TlsProvider.AUTO, config.source(), "caller " + caller);
        this.loops = RpcEventLoops.create(Math.min(4, Math.max(1, names.size() / 16)), caller);
        try {
            for (final String n : names) {
                final WorkerConfig.Address a = config.worker(n);
                final RpcClient client = RpcClient.connect(new RpcClient.Context().address(a.host(), a.port())
                    .serverName(n).service(WorkerProtocol.SERVICE).tls(tls).connectTimeout(config.connectTimeout())
                    .maxMessageBytes(config.maxFrameBytes()).loops(loops));
                handles.put(n, new Worker(WorkerChannel.remote(client), config.timeout()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Connects to every worker of {@code config} as {@code caller}.
     *
     * @throws dev.obscura.network.rpc.RpcException when a worker cannot be reached within the connect time-out or
     *                                              refuses this caller
     */
    public static RemoteWorkers connect(final WorkerConfig config, final String caller) {
        return new RemoteWorkers(config, Workers.checkName(caller), config.workerNames());
    }

    /** Connects to the workers {@code names} of {@code config} only. */
    public static RemoteWorkers connect(final WorkerConfig config, final String caller, final List<String> names) {
        return new RemoteWorkers(config, Workers.checkName(caller), List.copyOf(names));
    }

    @Override
    public Worker get(final String name) {
        final Worker w = handles.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no worker is called " + dev.obscura.text.UntrustedText.quote(name)
                + ", workers=" + handles.keySet());
        }
        return w;
    }

    @Override
    public List<Worker> all() {
        return new ArrayList<>(handles.values());
    }

    /** Closes every connection (the workers keep running). */
    @Override
    public void close() {
        handles.values().forEach(Worker::close);
        loops.close();
    }

    @Override
    public String toString() {
        return "RemoteWorkers" + handles.keySet();
    }
}
