package dev.obscura.network;

import dev.obscura.mpc.TransportException;
import dev.obscura.mpc.TransportException.Reason;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The connections of one {@link TcpTransport}: its I/O threads, its listening socket, dialling with back-off,
 * the hello of each connection, heartbeats, and their release on close.
 *
 * <p>Endpoint {@code i} dials every endpoint {@code j > i} and accepts a connection from every {@code j < i}, so
 * each pair has one connection. The listening socket is closed as soon as every lower endpoint has connected.
 */
final class Endpoints {
    private static final System.Logger LOG = System.getLogger(Endpoints.class.getName());
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 1000;
    private static final long MAX_ATTEMPT_MILLIS = 5000;
    private static final long TERMINATION_WAIT_MILLIS = 10_000;

    private final TcpTransport.Context context;
    private final NetworkConfig config;
    private final int self;
    private final PeerLink[] links;
    private final byte[] nonce = Hello.freshNonce();
    private final Hello[] hellos;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private Tls tls;
    private EventLoopGroup group;
    private volatile Channel server;

    Endpoints(final TcpTransport transport, final TcpTransport.Context context, final PeerLink[] links) {
        this.context = context;
        this.config = context.config;
        this.self = context.self;
        this.links = links;
        this.hellos = new Hello[links.length];
    }

    NetworkConfig config() {
        return config;
    }

    int self() {
        return self;
    }

    String tlsProviderName() {
        return tls == null ? "none" : tls.providerName();
    }

    /** Connects to every peer and waits until each has exchanged hellos; throws the first failure. */
    void connect() {
        final NetworkConfig.Endpoint me = config.endpoint(self);
        if (context.tlsProvider == TlsProvider.NONE_FOR_MEASUREMENT_ONLY) {
            LOG.log(Level.WARNING, "endpoint " + self + ": TLS is off (frames in the clear, peers not"
                + " authenticated): for measurements only");
        } else {
            tls = Tls.create(config, me, context.tlsProvider);
        }
        group = new MultiThreadIoEventLoopGroup(context.ioThreads,
            new DefaultThreadFactory("obscura-net-" + me.name(), true), IoRuntime.ioHandlerFactory());
        final long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        if (self > 0 && hasLowerPeer()) {
            listen(me);
        }
        for (int j = self + 1; j < links.length; j++) {
            if (links[j] != null) {
                dial(links[j], deadline, FIRST_BACKOFF_MILLIS);
            }
        }
        awaitReady(deadline);
        final Channel s = server;
        if (s != null) {
            s.close().awaitUninterruptibly(config.connectTimeout().toMillis());
        }
    }

    private boolean hasLowerPeer() {
        for (int j = 0; j < self; j++) {
            if (links[j] != null) {
                return true;
            }
        }
        return false;
    }

    private void listen(final NetworkConfig.Endpoint me) {
        final ServerBootstrap b = new ServerBootstrap().group(group).channel(IoRuntime.serverChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.ALLOCATOR, context.allocator)
            .childHandler(initializer(null));
        final ChannelFuture bound = b.bind(context.listen);
        if (!bound.awaitUninterruptibly(config.connectTimeout().toMillis()) || !bound.isSuccess()) {
            throw new TransportException(Reason.FAILED, "endpoint " + self + " (" + me.name() + ") cannot listen on "
                + context.listen + ": " + (bound.cause() == null ? "timed out" : bound.cause().getMessage()));
        }
        server = bound.channel();
    }

    private void dial(final PeerLink link, final long deadline, final long backoffMillis) {
        if (link.ready.isDone() || group.isShuttingDown()) {
            return;
        }
        final NetworkConfig.Endpoint peer = config.endpoint(link.peer());
        final long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        final Bootstrap b = new Bootstrap().group(group).channel(IoRuntime.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.ALLOCATOR, context.allocator)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(100, Math.min(remaining, MAX_ATTEMPT_MILLIS)))
            .handler(initializer(link));
        b.connect(peer.host(), peer.port()).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                return;
            }
            final String why = f.cause() == null ? "unknown" : f.cause().getMessage();
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) - deadline >= 0) {
                link.fail(Reason.FAILED, "endpoint " + self + " could not reach " + link.label() + " at "
                    + peer.address() + " within " + config.connectTimeout().toMillis() + " ms (connect-timeout): "
                    + why);
                return;
            }
            try {
                group.schedule(() -> dial(link, deadline, Math.min(2 * backoffMillis, MAX_BACKOFF_MILLIS)),
                    backoffMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                link.fail(Reason.FAILED, "endpoint " + self + " is closing");
            }
        });
    }

    private ChannelInitializer<SocketChannel> initializer(final PeerLink dialled) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(final SocketChannel ch) {
                channels.add(ch);
                ch.closeFuture().addListener(f -> channels.remove(ch));
                final FrameEncoder encoder = new FrameEncoder(self);
                final Connection connection = new Connection(Endpoints.this, dialled, tls != null, encoder,
                    config.maxFrameBytes());
                if (tls != null) {
                    final SslHandler ssl;
                    if (dialled != null) {
                        final NetworkConfig.Endpoint peer = config.endpoint(dialled.peer());
                        ssl = tls.client().newHandler(ch.alloc(), peer.host(), peer.port());
                    } else {
                        ssl = tls.server().newHandler(ch.alloc());
                    }
                    ssl.setHandshakeTimeoutMillis(Math.min(config.connectTimeout().toMillis(), 10_000));
                    ch.pipeline().addLast("tls", ssl);
                }
                ch.pipeline().addLast("encoder", encoder).addLast("decoder", connection.decoder())
                    .addLast("connection", connection);
            }
        };
    }

    private void awaitReady(final long deadline) {
        final List<CompletableFuture<Void>> readies = new ArrayList<>();
        final CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        for (final PeerLink l : links) {
            if (l != null) {
                readies.add(l.ready);
                l.ready.whenComplete((v, t) -> {
                    if (t != null) {
                        firstFailure.completeExceptionally(t);
                    }
                });
            }
        }
        final CompletableFuture<Void> all = CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new));
        try {
            CompletableFuture.anyOf(all, firstFailure).get(Math.max(0, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof TransportException t ? new TransportException(t.reason(), t.getMessage())
                : new TransportException(Reason.FAILED, "endpoint " + self + " cannot connect: " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new TransportException(Reason.FAILED, "endpoint " + self + " (" + config.endpoint(self).name()
                + ") was not joined within " + config.connectTimeout().toMillis() + " ms (connect-timeout) by "
                + missing());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(Reason.FAILED, "interrupted while connecting endpoint " + self, e);
        }
    }

    private String missing() {
        final List<String> out = new ArrayList<>();
        for (final PeerLink l : links) {
            if (l != null && !l.ready.isDone()) {
                out.add(l.label() + " at " + config.endpoint(l.peer()).address());
            }
        }
        return String.join(", ", out);
    }

    // ---- called by Connection, on the event loop

    /** The link that may take an accepted connection from the endpoint called {@code name}, or null. */
    PeerLink acceptable(final String name) {
        for (final NetworkConfig.Endpoint e : config.endpoints()) {
            if (e.name().equals(name)) {
                return acceptable(e.id());
            }
        }
        return null;
    }

    /** The link that may take an accepted connection from endpoint {@code id} (a lower id not yet joined), or null. */
    PeerLink acceptable(final int id) {
        if (id < 0 || id >= self || links[id] == null || links[id].channel() != null || links[id].ready.isDone()) {
            return null;
        }
        return links[id];
    }

    /** This endpoint's hello to {@code peer}. */
    Hello hello(final int peer) {
        if (hellos[peer] == null) {
            hellos[peer] = Hello.of(config, self, peer, nonce);
        }
        return hellos[peer];
    }

    /** The hellos on {@code channel} agreed: the link is usable, and heartbeats start. */
    void established(final PeerLink link, final Channel channel, final FrameEncoder encoder) {
        if (!link.attach(channel, encoder)) {
            LOG.log(Level.WARNING, "endpoint " + self + " closed a second connection from " + link.label());
            channel.close();
            return;
        }
        final long interval = config.heartbeatInterval().toNanos();
        final long silence = config.heartbeatTimeout().toNanos();
        final ScheduledFuture<?> beat = channel.eventLoop().scheduleAtFixedRate(
            () -> heartbeat(link, channel, encoder, interval, silence), interval, interval / 2, TimeUnit.NANOSECONDS);
        channel.closeFuture().addListener(f -> beat.cancel(false));
        link.ready.complete(null);
    }

    private void heartbeat(final PeerLink link, final Channel channel, final FrameEncoder encoder,
                           final long interval, final long silence) {
        if (!channel.isActive()) {
            return;
        }
        if (link.silentFor(silence)) {
            if (link.fail(Reason.FAILED, link.label() + " sent nothing for " + config.heartbeatTimeout().toMillis()
                + " ms (heartbeat-timeout): it stalled, died or the network failed")) {
                channel.close();
            }
            return;
        }
        if (!link.sendInFlight() && System.nanoTime() - encoder.lastWriteNanos() >= interval) {
            channel.writeAndFlush(new FrameEncoder.Outbound(FrameDescriptor.TYPE_HEARTBEAT, null, false),
                channel.voidPromise());
        }
    }

    // ---- close

    /** Sends every connected peer a close frame, or an abort frame with {@code reason}, and waits for them. */
    void farewell(final byte[] reason, final long graceMillis) {
        final List<ChannelFuture> sent = new ArrayList<>();
        for (final PeerLink l : links) {
            final Channel c = l == null ? null : l.channel();
            if (c != null && c.isActive() && l.failure() == null) {
                final int type = reason == null ? FrameDescriptor.TYPE_CLOSE : FrameDescriptor.TYPE_ABORT;
                final int n = reason == null ? 0 : Math.min(reason.length, FrameDescriptor.MAX_REASON_BYTES);
                sent.add(c.writeAndFlush(new FrameEncoder.Outbound(type,
                    reason == null ? null : Unpooled.wrappedBuffer(reason, 0, n), false)));
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        for (final ChannelFuture f : sent) {
            f.awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    /** Closes every connection and the listening socket, and stops the I/O threads. */
    void release(final long graceMillis) {
        if (group == null) {
            return;
        }
        final Channel s = server;
        if (s != null) {
            s.close();
        }
        for (final Channel c : channels) {
            c.close();
        }
        // The I/O threads release what they hold as they stop; wait for that (longer on a loaded machine).
        if (!group.shutdownGracefully(0, graceMillis, TimeUnit.MILLISECONDS)
            .awaitUninterruptibly(TERMINATION_WAIT_MILLIS)) {
            LOG.log(Level.WARNING, "endpoint " + self + ": I/O threads still running " + TERMINATION_WAIT_MILLIS
                + " ms after close");
        }
    }

    /** Closes {@code channel} and waits until its event loop has released what it held. */
    static void closeAndDrain(final Channel channel, final long graceMillis) {
        channel.close().awaitUninterruptibly(graceMillis);
        try {
            channel.eventLoop().submit(() -> { }).awaitUninterruptibly(graceMillis);
        } catch (RejectedExecutionException e) {
            // the loop has stopped: nothing is held any more
        }
    }
}
