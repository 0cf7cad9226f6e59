package dev.obscura.network.rpc;

import dev.obscura.network.IoRuntime;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * I/O threads that many {@link RpcClient}s share (a coordinator connected to a hundred workers needs one or two
 * threads, not a hundred): pass them to each client's context, and close them after the clients. Thread-safe.
 */
public final class RpcEventLoops implements AutoCloseable {
    private final EventLoopGroup group;

    private RpcEventLoops(final EventLoopGroup group) {
        this.group = group;
    }

    /** {@code threads} I/O threads (daemons) named after {@code name}. */
    public static RpcEventLoops create(final int threads, final String name) {
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("threads must be between 1 and 64, threads=" + threads);
        }
        // IoRuntime first: it sets Netty's reflection property before Netty initialises.
        final io.netty.channel.IoHandlerFactory io = IoRuntime.ioHandlerFactory();
        return new RpcEventLoops(new MultiThreadIoEventLoopGroup(threads,
            new DefaultThreadFactory("obscura-rpc-" + name, true), io));
    }

    EventLoopGroup group() {
        return group;
    }

    /** Stops the threads (after closing the clients that use them). Idempotent. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1000, TimeUnit.MILLISECONDS).awaitUninterruptibly(10_000);
    }
}
