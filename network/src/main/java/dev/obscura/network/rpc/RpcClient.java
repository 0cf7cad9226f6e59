package dev.obscura.network.rpc;

import dev.obscura.network.IoRuntime;
import dev.obscura.network.Tls;
import dev.obscura.network.rpc.RpcException.Reason;
import dev.obscura.text.UntrustedText;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * A caller's connection to one service ({@link RpcServer}) over mutual TLS 1.3: {@link #connect} dials (retrying
 * with back-off while the service starts, up to the connect time-out), checks that the service's certificate names
 * the service expected and that it speaks the expected protocol, and waits for the service to accept this caller.
 * {@link #call} sends a request and returns a future of its response; many calls may be in flight, each with its own
 * id and its own time-out, after which its future fails with {@link Reason#TIMEOUT} (a late answer is dropped).
 * When the connection ends every call in flight fails at once with {@link Reason#DISCONNECTED}, naming the service.
 *
 * <p>Thread-safe.
 */
public final class RpcClient implements AutoCloseable {
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 1000;
    private static final long MAX_ATTEMPT_MILLIS = 5000;

    private final Context context;
    private final RpcEventLoops ownLoops;
    private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicReference<RpcException> failure = new AtomicReference<>();
    private final CompletableFuture<Void> welcome = new CompletableFuture<>();
    private final String label;
    private volatile Channel channel;

    private RpcClient(final Context context) {
        this.context = context;
        this.ownLoops = context.loops == null ? RpcEventLoops.create(1, "client-" + context.serverName) : null;
        this.label = context.serverName + " at " + context.host + ":" + context.port;
    }

    /**
     * Connects to the service and waits until it accepts this caller.
     *
     * @throws RpcException ({@link Reason#DISCONNECTED}) when it cannot be reached within the connect time-out, the
     *                      TLS handshake fails, or the peer is not the service expected; ({@link Reason#REFUSED})
     *                      when the service does not serve this caller
     */
    public static RpcClient connect(final Context context) {
        final RpcClient c = new RpcClient(context.conclude());
        try {
            c.open();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    private void open() {
        final long deadline = System.nanoTime() + context.connectTimeout.toNanos();
        final RpcEventLoops loops = ownLoops != null ? ownLoops : context.loops;
        long backoff = FIRST_BACKOFF_MILLIS;
        while (true) {
            final long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            final Bootstrap b = new Bootstrap().group(loops.group()).channel(IoRuntime.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(100, Math.min(remaining,
                    MAX_ATTEMPT_MILLIS)))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        final SslHandler ssl = context.tls.client().newHandler(ch.alloc(), context.host,
                            context.port);
                        ssl.setHandshakeTimeoutMillis(Math.max(1, Math.min(remaining, 10_000)));
                        final ClientConnection connection = new ClientConnection();
                        ch.pipeline().addLast("tls", ssl)
                            .addLast("frames", new RpcFrames.Decoder(connection, context.maxMessageBytes, false))
                            .addLast("connection", connection);
                    }
                });
            final ChannelFuture f = b.connect(context.host, context.port);
            f.awaitUninterruptibly(Math.max(100, remaining + 100));
            if (f.isSuccess()) {
                channel = f.channel();
                break;
            }
            f.channel().close();
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff) - deadline >= 0) {
                throw new RpcException(Reason.DISCONNECTED, "could not reach " + label + " within "
                    + context.connectTimeout.toMillis() + " ms (connect-timeout): "
                    + (f.cause() == null ? "timed out" : f.cause().getMessage()), f.cause());
            }
            sleep(backoff);
            backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
        }
        try {
            welcome.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RpcException r ? new RpcException(r.reason(), r.getMessage(), r)
                : new RpcException(Reason.DISCONNECTED, "cannot connect to " + label + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new RpcException(Reason.DISCONNECTED, label + " did not accept this caller within "
                + context.connectTimeout.toMillis() + " ms (connect-timeout)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(Reason.DISCONNECTED, "interrupted while connecting to " + label, e);
        }
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(Reason.DISCONNECTED, "interrupted while connecting", e);
        }
    }

    /** The service's name (the common name its certificate must carry). */
    public String serverName() {
        return context.serverName;
    }

    /** Whether the connection is up (no failure, not closed). */
    public boolean isOpen() {
        return failure.get() == null;
    }

    /** Payload bytes of the requests sent. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Payload bytes of the responses received. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /**
     * Sends {@code request} and returns a future of the response, which fails with an {@link RpcException}: the
     * service's error ({@link Reason#REMOTE}), no answer within {@code timeout} ({@link Reason#TIMEOUT}), or the
     * connection ended ({@link Reason#DISCONNECTED}, {@link Reason#CLOSED}).
     *
     * @throws IllegalArgumentException when {@code request} is larger than the limit of requests
     */
    public CompletableFuture<byte[]> call(final byte[] request, final Duration timeout) {
        if (request.length > context.maxMessageBytes) {
            throw new IllegalArgumentException("request larger than max-frame-bytes, bytes=" + request.length
                + ", max=" + context.maxMessageBytes + ", service=" + context.serverName);
        }
        final RpcException down = failure.get();
        if (down != null) {
            return CompletableFuture.failedFuture(new RpcException(down.reason(), down.getMessage()));
        }
        final long id = nextId.getAndIncrement();
        final CompletableFuture<byte[]> answer = new CompletableFuture<>();
        pending.put(id, answer);
        final Channel ch = channel;
        final long millis = timeout.toMillis();
        final ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
            final CompletableFuture<byte[]> late = pending.remove(id);
            if (late != null) {
                late.completeExceptionally(new RpcException(Reason.TIMEOUT, "timed out after " + millis
                    + " ms waiting for " + label + " (request " + id + ")"));
            }
        }, millis, TimeUnit.MILLISECONDS);
        answer.whenComplete((r, t) -> timer.cancel(false));
        RpcFrames.write(ch, RpcFrameDescriptor.TYPE_REQUEST, id, request).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                // A write fails only on a connection that is going (its TLS engine closed, its socket gone), and the
                // write may learn it before channelInactive does: fail the connection as a whole, as a failed read
                // does, so that this call and every other in flight get the same reason whichever came first.
                fail(new RpcException(Reason.DISCONNECTED, "the connection to " + label + " failed: "
                    + RpcServer.describe(f.cause()), f.cause()));
                f.channel().close();
            }
        });
        bytesSent.addAndGet(request.length);
        // A failure that raced with the registration above has already failed the others: fail this one too.
        final RpcException raced = failure.get();
        if (raced != null && pending.remove(id) != null) {
            answer.completeExceptionally(new RpcException(raced.reason(), raced.getMessage()));
        }
        return answer;
    }

    /** Closes the connection; calls in flight fail with {@link Reason#CLOSED}. Idempotent. */
    @Override
    public void close() {
        fail(new RpcException(Reason.CLOSED, "the connection to " + label + " was closed by this caller"));
        final Channel ch = channel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(2000);
        }
        if (ownLoops != null) {
            ownLoops.close();
        }
    }

    private void fail(final RpcException why) {
        if (!failure.compareAndSet(null, why)) {
            return;
        }
        welcome.completeExceptionally(why);
        for (final Long id : pending.keySet()) {
            final CompletableFuture<byte[]> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(new RpcException(why.reason(), why.getMessage()));
            }
        }
    }

    @Override
    public String toString() {
        return "RpcClient[" + label + (isOpen() ? "" : ", closed") + "]";
    }

    /** The connection's events, on its event loop. */
    private final class ClientConnection extends ChannelInboundHandlerAdapter implements RpcFrames.Decoder.Sink {
        private RpcFrames.Decoder decoder;

        @Override
        public void handlerAdded(final ChannelHandlerContext ctx) {
            decoder = ctx.pipeline().get(RpcFrames.Decoder.class);
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
            if (!(event instanceof SslHandshakeCompletionEvent done)) {
                ctx.fireUserEventTriggered(event);
                return;
            }
            if (!done.isSuccess()) {
                fail(new RpcException(Reason.DISCONNECTED, "TLS handshake with " + label + " failed: "
                    + RpcServer.describe(done.cause()) + " (are both certificates issued by the configured CA?)"));
                ctx.close();
                return;
            }
            try {
                final String name = Tls.peerName(ctx.pipeline().get(SslHandler.class).engine().getSession());
                if (!name.equals(context.serverName)) {
                    fail(new RpcException(Reason.DISCONNECTED, "reached " + context.host + ":" + context.port
                        + ", but its certificate names " + UntrustedText.quote(name) + ", not "
                        + context.serverName));
                    ctx.close();
                }
            } catch (SSLException e) {
                fail(new RpcException(Reason.DISCONNECTED, label + " is not authenticated: " + e.getMessage()));
                ctx.close();
            }
        }

        @Override
        public void frame(final RpcFrames.Frame frame) {
            final byte[] payload = frame.payload();
            switch (frame.type()) {
                case RpcFrameDescriptor.TYPE_WELCOME -> {
                    final String service = new String(payload, StandardCharsets.UTF_8);
                    if (!service.equals(context.service)) {
                        fail(new RpcException(Reason.DISCONNECTED, label + " speaks " + UntrustedText.quote(service)
                            + ", not " + context.service));
                        channel.close();
                        return;
                    }
                    welcome.complete(null);
                }
                case RpcFrameDescriptor.TYPE_RESPONSE -> {
                    bytesReceived.addAndGet(payload.length);
                    final CompletableFuture<byte[]> f = pending.remove(frame.id());
                    if (f != null) {
                        f.complete(payload);
                    }
                }
                default -> {
                    final String message = UntrustedText.printable(new String(payload, StandardCharsets.UTF_8),
                        RpcFrameDescriptor.MAX_ERROR_BYTES);
                    if (frame.id() == RpcFrameDescriptor.CONNECTION_ID) {
                        fail(new RpcException(Reason.REFUSED, label + " refused this caller: " + message));
                        channel.close();
                        return;
                    }
                    final CompletableFuture<byte[]> f = pending.remove(frame.id());
                    if (f != null) {
                        f.completeExceptionally(new RpcException(Reason.REMOTE, message));
                    }
                }
            }
        }

        @Override
        public void protocolError(final String why) {
            fail(new RpcException(Reason.PROTOCOL, "protocol error from " + label + ": " + why
                + "; connection closed"));
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            final String partial = decoder == null ? null : decoder.partial();
            fail(new RpcException(Reason.DISCONNECTED, "the connection to " + label + " ended"
                + (partial == null ? "" : " " + partial) + " (the service stopped or the network failed)"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            fail(new RpcException(Reason.DISCONNECTED, "the connection to " + label + " failed: "
                + RpcServer.describe(cause), cause));
            ctx.close();
        }
    }

    /**
     * Settings of a connection: the service's address, name and protocol and this caller's TLS identity are
     * required; the rest have defaults. Fluent setters, then {@link #conclude()} (called by {@link #connect}).
     */
    public static final class Context {
        String host;
        int port = -1;
        String serverName;
        String service;
        Tls tls;
        Duration connectTimeout = Duration.ofSeconds(10);
        long maxMessageBytes = RpcServer.Context.DEFAULT_MAX_MESSAGE_BYTES;
        RpcEventLoops loops;

        /** Where the service listens (required). */
        public Context address(final String h, final int p) {
            this.host = h;
            this.port = p;
            return this;
        }

        /** The common name the service's certificate must carry (required). */
        public Context serverName(final String name) {
            this.serverName = name;
            return this;
        }

        /** The protocol the service must speak, as its welcome names it (required). */
        public Context service(final String s) {
            this.service = s;
            return this;
        }

        /** This caller's TLS identity and CA (required). */
        public Context tls(final Tls t) {
            this.tls = t;
            return this;
        }

        /** How long to keep trying to reach the service while it starts (default 10 s). */
        public Context connectTimeout(final Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** The largest request or response payload (default 256 MiB). */
        public Context maxMessageBytes(final long bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Shared I/O threads (default: the client's own thread). */
        public Context loops(final RpcEventLoops l) {
            this.loops = l;
            return this;
        }

        /** Checks the settings. */
        public Context conclude() {
            if (host == null || port < 0 || port > 0xFFFF || serverName == null || service == null || tls == null) {
                throw new IllegalArgumentException("a connection needs an address, the service's name and protocol,"
                    + " and TLS, host=" + host + ", port=" + port + ", serverName=" + serverName);
            }
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, connectTimeout="
                    + connectTimeout);
            }
            RpcFrameDescriptor.checkMaxMessageBytes(maxMessageBytes);
            return this;
        }
    }
}
