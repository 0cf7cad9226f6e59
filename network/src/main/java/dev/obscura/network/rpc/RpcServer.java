package dev.obscura.network.rpc;

import dev.obscura.network.IoRuntime;
import dev.obscura.network.Tls;
import dev.obscura.text.UntrustedText;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * A service that answers requests from authenticated callers over mutual TLS 1.3 ({@link RpcFrameDescriptor}): a
 * worker, later the inference service. Each connection is authenticated by the common name of the caller's
 * certificate, which must be issued by the configured CA and be one of the service's callers; a caller that is not
 * is sent an error naming it and disconnected before any request is read, and a connection that fails the handshake
 * (no certificate, another CA, not TLS) is closed with one log line. Every request is handed to the
 * {@link RpcHandler} with the caller's name; its answer goes back with the request's id.
 *
 * <pre>{@code
 * try (RpcServer server = RpcServer.start(new RpcServer.Context().name("bob").service("obscura-worker/1")
 *         .listen(new InetSocketAddress("127.0.0.1", 7301)).tls(tls).callers(Set.of("coordinator"))
 *         .handler(request -> CompletableFuture.supplyAsync(() -> answer(request.payload()), executor)))) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Hostile input: a frame header is checked before its payload is read, so an oversized length allocates nothing;
 * a malformed frame closes the connection with one log line; at most {@link Context#maxInFlight} requests of one
 * connection run at once: while that many run, the connection is not read (TCP slows the caller), requests already
 * received wait (at most four times as many), and one beyond those is answered with an error. Thread-safe;
 * {@link #close()} stops listening, closes every connection and stops the I/O threads.
 */
public final class RpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    private static final long CLOSE_GRACE_MILLIS = 2000;
    /** Requests of one connection that may wait for a free slot, per slot, before more are refused. */
    private static final int WAITING_PER_IN_FLIGHT = 4;

    private final Context context;
    private final EventLoopGroup group;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final Channel listener;

    private RpcServer(final Context context) {
        this.context = context;
        // IoRuntime first: it sets Netty's reflection property before Netty initialises.
        final io.netty.channel.IoHandlerFactory io = IoRuntime.ioHandlerFactory();
        this.group = new MultiThreadIoEventLoopGroup(context.ioThreads,
            new DefaultThreadFactory("obscura-rpc-" + context.name, true), io);
        try {
            final ServerBootstrap b = new ServerBootstrap().group(group).channel(IoRuntime.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        channels.add(ch);
                        ch.closeFuture().addListener(f -> channels.remove(ch));
                        final SslHandler ssl = context.tls.server().newHandler(ch.alloc());
                        ssl.setHandshakeTimeoutMillis(context.handshakeTimeoutMillis);
                        final ServerConnection connection = new ServerConnection(ch);
                        ch.pipeline().addLast("tls", ssl)
                            .addLast("frames", new RpcFrames.Decoder(connection, context.maxMessageBytes, true))
                            .addLast("connection", connection);
                    }
                });
            final ChannelFuture bound = b.bind(context.listen);
            if (!bound.awaitUninterruptibly(context.handshakeTimeoutMillis) || !bound.isSuccess()) {
                throw new RpcException(RpcException.Reason.DISCONNECTED, "service " + context.name
                    + " cannot listen on " + context.listen + ": "
                    + (bound.cause() == null ? "timed out" : bound.cause().getMessage()), bound.cause());
            }
            this.listener = bound.channel();
        } catch (RuntimeException | Error e) {
            group.shutdownGracefully(0, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Starts listening.
     *
     * @throws RpcException (DISCONNECTED) when the address cannot be bound
     */
    public static RpcServer start(final Context context) {
        return new RpcServer(context.conclude());
    }

    /** The address the service listens on (the port the system chose, when the context asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The service's name (its certificate's common name). */
    public String name() {
        return context.name;
    }

    /** Number of open connections. */
    public int connections() {
        return channels.size();
    }

    /** Stops listening, closes every connection and stops the I/O threads. Idempotent. */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly(CLOSE_GRACE_MILLIS);
        for (final Channel c : channels) {
            c.close();
        }
        group.shutdownGracefully(0, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)
            .awaitUninterruptibly(5 * CLOSE_GRACE_MILLIS);
    }

    @Override
    public String toString() {
        return "RpcServer[" + context.name + " at " + listener.localAddress() + "]";
    }

    /** One accepted connection, on its event loop: authentication, then requests. */
    private final class ServerConnection extends ChannelInboundHandlerAdapter implements RpcFrames.Decoder.Sink {
        private final Channel channel;
        /** Ids of the requests running or waiting. */
        private final Set<Long> known = new HashSet<>();
        private final ArrayDeque<RpcRequest> waiting = new ArrayDeque<>();
        private int inFlight;
        private String caller;

        ServerConnection(final Channel channel) {
            this.channel = channel;
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
            if (!(event instanceof SslHandshakeCompletionEvent done)) {
                ctx.fireUserEventTriggered(event);
                return;
            }
            if (!done.isSuccess()) {
                LOG.log(Level.INFO, context.name + ": refused a connection from " + channel.remoteAddress()
                    + ": TLS handshake failed: " + describe(done.cause())
                    + " (a caller needs a certificate issued by the configured CA)");
                ctx.close();
                return;
            }
            final String name;
            try {
                name = Tls.peerName(ctx.pipeline().get(SslHandler.class).engine().getSession());
            } catch (SSLException e) {
                LOG.log(Level.INFO, context.name + ": refused a connection from " + channel.remoteAddress() + ": "
                    + e.getMessage());
                ctx.close();
                return;
            }
            if (!context.callers.test(name)) {
                final String why = "caller " + UntrustedText.quote(name) + " is not allowed to call "
                    + context.name + " (not among its callers)";
                LOG.log(Level.INFO, context.name + ": refused " + channel.remoteAddress() + ": " + why);
                RpcFrames.write(channel, RpcFrameDescriptor.TYPE_ERROR, RpcFrameDescriptor.CONNECTION_ID,
                    RpcFrames.text(why, RpcFrameDescriptor.MAX_ERROR_BYTES)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            caller = name;
            RpcFrames.write(channel, RpcFrameDescriptor.TYPE_WELCOME, RpcFrameDescriptor.CONNECTION_ID,
                context.service.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void frame(final RpcFrames.Frame frame) {
            if (caller == null) {
                protocolError("a request before the caller was authenticated");
                channel.close();
                return;
            }
            final long id = frame.id();
            if (!known.add(id)) {
                protocolError("a request id already in flight, id=" + id);
                channel.close();
                return;
            }
            if (inFlight < context.maxInFlight) {
                dispatch(new RpcRequest(caller, id, frame.payload()));
            } else if (waiting.size() < WAITING_PER_IN_FLIGHT * context.maxInFlight) {
                // Back-pressure: stop reading (TCP then slows the caller) until requests in flight finish.
                waiting.add(new RpcRequest(caller, id, frame.payload()));
                channel.config().setAutoRead(false);
            } else {
                known.remove(id);
                java.util.Arrays.fill(frame.payload(), (byte) 0);
                reply(id, null, new IllegalStateException("too many requests in flight on one connection, limit="
                    + context.maxInFlight + " running and " + waiting.size() + " waiting"));
            }
        }

        private void dispatch(final RpcRequest request) {
            inFlight++;
            CompletableFuture<byte[]> answer;
            try {
                answer = Objects.requireNonNull(context.handler.handle(request), "the handler returned no future");
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            final long id = request.id();
            answer.whenComplete((response, failure) -> channel.eventLoop().execute(() -> {
                inFlight--;
                known.remove(id);
                reply(id, response, failure);
                while (inFlight < context.maxInFlight && !waiting.isEmpty()) {
                    dispatch(waiting.poll());
                }
                if (waiting.isEmpty() && channel.isActive()) {
                    channel.config().setAutoRead(true);
                }
            }));
        }

        private void reply(final long id, final byte[] response, final Throwable failure) {
            if (!channel.isActive()) {
                return;
            }
            if (failure == null && response.length > context.maxMessageBytes) {
                reply(id, null, new IllegalStateException("response larger than max-frame-bytes, bytes="
                    + response.length + ", max=" + context.maxMessageBytes));
                return;
            }
            if (failure == null) {
                RpcFrames.write(channel, RpcFrameDescriptor.TYPE_RESPONSE, id, response);
            } else {
                RpcFrames.write(channel, RpcFrameDescriptor.TYPE_ERROR, id,
                    RpcFrames.text(describe(failure), RpcFrameDescriptor.MAX_ERROR_BYTES));
            }
        }

        @Override
        public void protocolError(final String why) {
            LOG.log(Level.INFO, context.name + ": closed the connection of " + (caller == null ? "an unknown caller"
                : UntrustedText.quote(caller)) + " at " + channel.remoteAddress() + ": protocol error: " + why);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            if (caller != null) {
                context.handler.disconnected(caller);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            LOG.log(Level.DEBUG, () -> context.name + ": connection of " + channel.remoteAddress() + " failed: "
                + describe(cause));
            ctx.close();
        }
    }

    /** The message of a failure for the caller: the exception's message (a fact), never a stack trace. */
    static String describe(final Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t.getCause() instanceof SSLException ssl && t instanceof io.netty.handler.codec.DecoderException) {
            t = ssl;
        }
        if (t instanceof Error) {
            return "internal error: " + t.getClass().getSimpleName();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /**
     * Settings of a service: its name, protocol, address, TLS identity, callers and handler are required; the rest
     * have defaults. Fluent setters, then {@link #conclude()} (called by {@link RpcServer#start}) checks them.
     */
    public static final class Context {
        /** Default {@link #maxMessageBytes}: 256 MiB. */
        public static final long DEFAULT_MAX_MESSAGE_BYTES = 256L << 20;
        /** Default {@link #maxInFlight}. */
        public static final int DEFAULT_MAX_IN_FLIGHT = 64;

        String name;
        String service;
        InetSocketAddress listen;
        Tls tls;
        Predicate<String> callers;
        RpcHandler handler;
        long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        int ioThreads = 1;
        int handshakeTimeoutMillis = 10_000;

        /** The service's name, which its certificate carries as common name (required). */
        public Context name(final String n) {
            this.name = n;
            return this;
        }

        /** The protocol it speaks, sent in the welcome and checked by clients, e.g. {@code obscura-worker/1}. */
        public Context service(final String s) {
            this.service = s;
            return this;
        }

        /** Where to listen (required; port 0 lets the system choose). */
        public Context listen(final InetSocketAddress address) {
            this.listen = address;
            return this;
        }

        /** The service's TLS identity and CA (required). */
        public Context tls(final Tls t) {
            this.tls = t;
            return this;
        }

        /** The certificate names allowed to call (required). */
        public Context callers(final Set<String> names) {
            final Set<String> copy = Set.copyOf(names);
            this.callers = copy::contains;
            return this;
        }

        /** Who may call, by certificate name (required, or {@link #callers(Set)}). */
        public Context callers(final Predicate<String> allowed) {
            this.callers = allowed;
            return this;
        }

        /** What answers the requests (required). */
        public Context handler(final RpcHandler h) {
            this.handler = h;
            return this;
        }

        /** The largest request or response payload (default 256 MiB). */
        public Context maxMessageBytes(final long bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Requests of one connection that may run at once (default 64); see the class comment. */
        public Context maxInFlight(final int n) {
            this.maxInFlight = n;
            return this;
        }

        /** Number of I/O threads (default 1). */
        public Context ioThreads(final int n) {
            this.ioThreads = n;
            return this;
        }

        /** The longest a TLS handshake may take (default 10 s). */
        public Context handshakeTimeoutMillis(final int millis) {
            this.handshakeTimeoutMillis = millis;
            return this;
        }

        /** Checks the settings. */
        public Context conclude() {
            if (name == null || service == null || listen == null || tls == null || callers == null
                || handler == null) {
                throw new IllegalArgumentException("a service needs a name, a service protocol, an address, TLS,"
                    + " callers and a handler, name=" + name + ", service=" + service + ", listen=" + listen);
            }
            if (service.getBytes(StandardCharsets.UTF_8).length > RpcFrameDescriptor.MAX_WELCOME_BYTES) {
                throw new IllegalArgumentException("service protocol name too long, service=" + service);
            }
            RpcFrameDescriptor.checkMaxMessageBytes(maxMessageBytes);
            if (maxInFlight < 1 || ioThreads < 1 || ioThreads > 64 || handshakeTimeoutMillis < 1) {
                throw new IllegalArgumentException("need maxInFlight >= 1, 1 <= ioThreads <= 64 and a positive"
                    + " handshake time-out, maxInFlight=" + maxInFlight + ", ioThreads=" + ioThreads
                    + ", handshakeTimeoutMillis=" + handshakeTimeoutMillis);
            }
            return this;
        }
    }
}
