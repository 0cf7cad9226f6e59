package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.network.rpc.RpcClient;
import dev.obscura.network.rpc.RpcEventLoops;
import dev.obscura.network.rpc.RpcServer;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker serving remote callers ({@code obscura worker}): it listens where the {@link WorkerConfig} says, over
 * mutual TLS 1.3 with its own certificate, answers only callers whose certificates the file allows (its callers and
 * the other workers), reaches the other workers directly to move tensors, and joins secure groups over the TCP
 * transport when the file configures one. Close it to stop.
 *
 * <pre>{@code
 * WorkerServer bob = WorkerServer.start(WorkerConfig.read(Path.of("workers.conf")), "bob", Map.of());
 * ...                 // it serves on its own threads until
 * bob.close();
 * }</pre>
 */
public final class WorkerServer implements AutoCloseable {
    private final WorkerConfig config;
    private final WorkerNode node;
    private final Tls tls;
    private final RpcEventLoops loops;
    private final Map<String, WorkerChannel> peers = new ConcurrentHashMap<>();
    private final RpcServer server;

    private WorkerServer(final WorkerConfig config, final String name, final Map<String, LabelledImages> datasets,
                         final InetSocketAddress listen) {
        this.config = config;
        final WorkerConfig.Address me = config.worker(name);
        this.tls = Tls.forFiles(config.certificateFile(name), config.keyFile(name), config.caFile(), TlsProvider.AUTO,
            config.source(), "worker " + name);
        this.loops = RpcEventLoops.create(1, "peers-" + name);
        final WorkerNode.Context context = new WorkerNode.Context().timeout(config.timeout()).datasets(datasets)
            .peers(this::peer);
        config.mpc().ifPresent(mpc -> context.groupNetworks(new TcpGroupNetworks(mpc, config.mpcEndpoints())));
        this.node = new WorkerNode(name, context);
        try {
            this.server = RpcServer.start(new RpcServer.Context().name(name).service(WorkerProtocol.SERVICE)
                .listen(listen != null ? listen : new InetSocketAddress(me.host(), me.port())).tls(tls)
                .callers(config.allowedCallers()).maxMessageBytes(config.maxFrameBytes())
                .handler(request -> node.submit(request.caller(), request.payload())));
        } catch (RuntimeException e) {
            node.close();
            loops.close();
            throw e;
        }
    }

    /**
     * Starts worker {@code name} of {@code config}, holding {@code datasets} of its own (by name).
     *
     * @throws dev.obscura.network.ConfigException when its TLS files cannot be used
     * @throws dev.obscura.network.rpc.RpcException when its address cannot be bound
     */
    public static WorkerServer start(final WorkerConfig config, final String name,
                                     final Map<String, LabelledImages> datasets) {
        return new WorkerServer(config, Workers.checkName(name), datasets, null);
    }

    /** {@link #start} listening at {@code listen} instead of the configured address (every interface, say). */
    public static WorkerServer start(final WorkerConfig config, final String name,
                                     final Map<String, LabelledImages> datasets, final InetSocketAddress listen) {
        return new WorkerServer(config, Workers.checkName(name), datasets, listen);
    }

    /** The worker's name. */
    public String name() {
        return node.name();
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** Number of objects it holds now. */
    public int objectCount() {
        return node.objectCount();
    }

    /** Bytes its objects take now. */
    public long memoryBytes() {
        return node.memoryBytes();
    }

    private WorkerChannel peer(final String name) {
        return peers.computeIfAbsent(name, n -> {
            final WorkerConfig.Address a = config.worker(n);
            return WorkerChannel.remote(RpcClient.connect(new RpcClient.Context().address(a.host(), a.port())
                .serverName(n).service(WorkerProtocol.SERVICE).tls(tls).connectTimeout(config.connectTimeout())
                .maxMessageBytes(config.maxFrameBytes()).loops(loops)));
        });
    }

    /** Stops listening, closes every connection, and releases everything the worker holds. Idempotent. */
    @Override
    public void close() {
        server.close();
        node.close();
        peers.values().forEach(WorkerChannel::close);
        loops.close();
    }

    @Override
    public String toString() {
        return "WorkerServer[" + node.name() + " at " + server.address() + "]";
    }
}
