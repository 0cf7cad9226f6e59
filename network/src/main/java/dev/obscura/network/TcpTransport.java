package dev.obscura.network;

import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.mpc.TransportException.Reason;
import dev.obscura.ring.RingTensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP implementation of {@link Transport}: one endpoint (a party or a helper such as the dealer) of a
 * deployment described by a {@link NetworkConfig}, connected to every other endpoint over mutual TLS 1.3.
 *
 * <pre>{@code
 * try (TcpTransport t = TcpTransport.open(new TcpTransport.Context().config(config).self(1))) {
 *     Session session = Session.establish(t, backend, new FixedPoint(config.fixedPointBits()));
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #open} listens on this endpoint's port, dials every endpoint with a higher id (retrying with back-off
 * while they start, up to the connect time-out), authenticates each peer by its certificate, checks with a hello
 * that both ends agree on version, suite, fixed-point bits, party count and configuration digest, and returns once
 * every peer is connected. Frames are laid out as {@link FrameDescriptor} says.
 *
 * <p>A send hands the tensors' memory to the TLS layer, which encrypts it straight into the socket's buffers (the
 * one copy), and returns when the frame is written (at most {@link #timeout()}, so a peer that stops reading makes
 * it fail, not hang); it never waits for the receiving program. Every receive waits at most {@link #timeout()}. A
 * peer that disconnects, aborts, breaks the protocol, or stays silent past the heartbeat time-out fails every
 * receive from it at once with a message that names it. Payload and frame counters count data frames only, exactly
 * as the in-process transport does.
 *
 * <p>One thread per link, as {@link Transport} says: the party's thread sends, receives and closes (a background
 * filler may own the dealer's link); I/O runs on this endpoint's own event-loop threads, which {@link #close()}
 * stops.
 */
public final class TcpTransport implements Transport {
    private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());
    /** The longest close waits for the close frames to be written and for the I/O threads to stop. */
    private static final long CLOSE_GRACE_MILLIS = 2000;

    private final Context context;
    private final NetworkConfig config;
    private final int self;
    private final PeerLink[] links;
    private final Endpoints endpoints;
    private final AtomicBoolean closing = new AtomicBoolean();
    // Atomic: a background filler may send on the dealer's link beside the party's thread (DealerClient).
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong framesSent = new AtomicLong();

    private TcpTransport(final Context context) {
        this.context = context;
        this.config = context.config;
        this.self = context.self;
        this.links = new PeerLink[config.endpoints().size()];
        for (final NetworkConfig.Endpoint e : config.endpoints()) {
            if (e.id() != self && (!context.partiesOnly || e.id() < config.parties())) {
                links[e.id()] = new PeerLink(e.id(), "endpoint " + e.id() + " (" + e.name() + ")",
                    context.emulation);
            }
        }
        this.endpoints = new Endpoints(this, context, links);
    }

    /**
     * Opens this endpoint: connects to every other endpoint and checks that they agree.
     *
     * @throws TransportException (FAILED) naming the peer and the reason when a peer cannot be reached within the
     *                            connect time-out, is refused, or disagrees on a setting
     * @throws ConfigException    when this endpoint's certificate, key or CA cannot be used
     */
    public static TcpTransport open(final Context context) {
        context.conclude();
        final TcpTransport t = new TcpTransport(context);
        try {
            t.endpoints.connect();
            return t;
        } catch (RuntimeException | Error e) {
            // Peers that did connect learn why this endpoint gives up, instead of seeing it close.
            t.shutDown(e.getMessage() == null ? "endpoint " + t.self + " could not open" : e.getMessage(), null);
            throw e;
        }
    }

    @Override
    public int self() {
        return self;
    }

    @Override
    public int parties() {
        return config.parties();
    }

    @Override
    public Duration timeout() {
        return config.timeout();
    }

    /** The configuration this endpoint runs with. */
    public NetworkConfig config() {
        return config;
    }

    /** {@code "openssl"}, {@code "jdk"} or {@code "none"}: the TLS provider in use. */
    public String tlsProvider() {
        return endpoints.tlsProviderName();
    }

    @Override
    public void send(final int peer, final RingTensor... parts) {
        final PeerLink link = writable(peer);
        long total = 0;
        for (final RingTensor p : parts) {
            total += p.numel() * Long.BYTES;
        }
        checkSize(total);
        final int length = (int) total;
        if (!IoRuntime.ZERO_COPY || length <= FrameEncoder.GATHER_LIMIT) {
            // Small frames are gathered with their header by the encoder anyway: copy them here, once.
            final ByteBuf copy = context.allocator.directBuffer(Math.max(length, 1));
            for (final RingTensor p : parts) {
                final int n = (int) (p.numel() * Long.BYTES);
                p.buffer().getBytes(0, copy.nioBuffer(copy.writerIndex(), n), 0, n);
                copy.writerIndex(copy.writerIndex() + n);
            }
            write(link, copy, true, length);
            return;
        }
        final CompositeByteBuf payload = context.allocator.compositeDirectBuffer(Math.max(parts.length, 1));
        for (final RingTensor p : parts) {
            final int n = (int) (p.numel() * Long.BYTES);
            if (n > 0) {
                payload.addComponent(true, Unpooled.wrappedBuffer(p.buffer().addressOffset(), n, false));
            }
        }
        write(link, payload, false, length);
    }

    @Override
    public void sendBytes(final int peer, final byte[] bytes) {
        final PeerLink link = writable(peer);
        checkSize(bytes.length);
        final ByteBuf copy = context.allocator.directBuffer(Math.max(bytes.length, 1)).writeBytes(bytes);
        write(link, copy, true, bytes.length);
    }

    /** Writes one data frame and waits until it is on the socket (at most the time-out). */
    private void write(final PeerLink link, final ByteBuf payload, final boolean owned, final int length) {
        final Channel channel = link.channel();
        link.sending(1);
        try {
            final ChannelFuture f = channel.writeAndFlush(new FrameEncoder.Outbound(FrameDescriptor.TYPE_DATA,
                payload, owned));
            final long millis = config.timeout().toMillis();
            if (!f.await(millis)) {
                final String why = "timed out after " + millis + " ms sending " + length + " bytes to "
                    + link.label() + " (endpoint " + self + "): it stopped reading";
                link.fail(Reason.TIMEOUT, why);
                Endpoints.closeAndDrain(channel, CLOSE_GRACE_MILLIS);
                throw new TransportException(Reason.TIMEOUT, why);
            }
            if (!f.isSuccess()) {
                final TransportException failure = link.failure();
                if (failure != null) {
                    throw new TransportException(failure.reason(), failure.getMessage(), f.cause());
                }
                throw new TransportException(Reason.FAILED, "cannot send to " + link.label() + ": "
                    + f.cause(), f.cause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            link.fail(Reason.FAILED, "interrupted while sending to " + link.label());
            Endpoints.closeAndDrain(channel, CLOSE_GRACE_MILLIS);
            throw new TransportException(Reason.FAILED, "interrupted while sending to " + link.label(), e);
        } finally {
            link.sending(-1);
        }
        link.countSent(length);
        bytesSent.addAndGet(length);
        framesSent.incrementAndGet();
    }

    @Override
    public void receive(final int peer, final RingTensor... parts) {
        final PeerLink link = link(peer);
        final InboundFrame frame = take(link);
        try {
            long expected = 0;
            for (final RingTensor p : parts) {
                expected += p.numel() * Long.BYTES;
            }
            if (frame.length() != expected) {
                throw new TransportException(Reason.PROTOCOL, "frame of unexpected size from " + link.label()
                    + ": bytes=" + frame.length() + ", expected=" + expected
                    + " (the parties are not running the same program)");
            }
            frame.copyTo(parts);
            link.countReceived(frame.length());
        } finally {
            frame.release();
        }
    }

    @Override
    public byte[] receiveBytes(final int peer) {
        final PeerLink link = link(peer);
        final InboundFrame frame = take(link);
        try {
            final byte[] out = frame.toBytes();
            link.countReceived(frame.length());
            return out;
        } finally {
            frame.release();
        }
    }

    private InboundFrame take(final PeerLink link) {
        final long millis = config.timeout().toMillis();
        return link.take(System.nanoTime() + config.timeout().toNanos(), millis, self);
    }

    @Override
    public long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public long bytesSentTo(final int peer) {
        return peer >= 0 && peer < links.length && links[peer] != null ? links[peer].bytesSent() : 0;
    }

    @Override
    public long bytesReceivedFrom(final int peer) {
        return peer >= 0 && peer < links.length && links[peer] != null ? links[peer].bytesReceived() : 0;
    }

    @Override
    public long framesSent() {
        return framesSent.get();
    }

    /**
     * Closes this endpoint normally: each peer gets a close frame after everything sent before it, so its receives
     * deliver those frames and then fail with {@link Reason#CLOSED}; then the connections, the listening socket and
     * the I/O threads are released. Idempotent.
     */
    @Override
    public void close() {
        shutDown(null, "endpoint " + self + " is closed");
    }

    /**
     * Closes this endpoint because it failed: each peer gets an abort frame with {@code reason} (a fact such as
     * "party 1 failed: timed out waiting for endpoint 2", never data), so that every other endpoint fails at once
     * with an error that names this one and the reason, instead of waiting for its time-out. Idempotent with
     * {@link #close()}.
     */
    public void abort(final String reason) {
        shutDown(reason, "endpoint " + self + " aborted: " + Untrusted.quote(reason));
    }

    /** Whether this endpoint was closed or aborted. */
    public boolean isClosed() {
        return closing.get();
    }

    private void shutDown(final String abortReason, final String localMessage) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        final byte[] reason = abortReason == null ? null : Untrusted.quote(abortReason)
            .getBytes(StandardCharsets.UTF_8);
        endpoints.farewell(reason, CLOSE_GRACE_MILLIS);
        for (final PeerLink l : links) {
            if (l != null) {
                l.fail(abortReason == null ? Reason.CLOSED : Reason.FAILED,
                    localMessage != null ? localMessage : "endpoint " + self + " failed to open");
            }
        }
        endpoints.release(CLOSE_GRACE_MILLIS);
        for (final PeerLink l : links) {
            if (l != null) {
                l.drop();
            }
        }
        LOG.log(Level.DEBUG, () -> "endpoint " + self + " closed: sent " + bytesSent.get() + " bytes in " + framesSent.get()
            + " frames");
    }

    private PeerLink link(final int peer) {
        if (peer < 0 || peer >= links.length || peer == self) {
            throw new IllegalArgumentException("no channel between endpoints, from=" + self + ", to=" + peer
                + ", endpoints=" + links.length);
        }
        final PeerLink link = links[peer];
        if (link == null) {
            throw new IllegalArgumentException("endpoint " + self + " is not connected to endpoint " + peer + " ("
                + config.endpoint(peer).name() + "): it was opened for the parties only");
        }
        return link;
    }

    /** The connection to {@code peer} (for tests that write forged bytes on it). */
    io.netty.channel.Channel channelTo(final int peer) {
        return link(peer).channel();
    }

    /** The frame encoder of the connection to {@code peer} (for tests that forge frames). */
    FrameEncoder encoderTo(final int peer) {
        return link(peer).encoder();
    }

    private PeerLink writable(final int peer) {
        final PeerLink link = link(peer);
        link.checkWritable();
        return link;
    }

    private void checkSize(final long bytes) {
        if (bytes > config.maxFrameBytes()) {
            throw new IllegalArgumentException("frame larger than max-frame-bytes of the configuration, bytes="
                + bytes + ", max-frame-bytes=" + config.maxFrameBytes());
        }
    }

    @Override
    public String toString() {
        return "TcpTransport[self=" + self + ", parties=" + parties() + ", endpoints=" + links.length + "]";
    }

    /**
     * Settings of one endpoint: the configuration and which endpoint this is are required; the rest have defaults.
     * Fluent setters, then {@link #conclude()} (called by {@link TcpTransport#open}) checks them.
     */
    public static final class Context {
        /** System property that picks the TLS provider: {@code auto}, {@code openssl} or {@code jdk}. */
        public static final String TLS_PROVIDER_PROPERTY = "obscura.tls.provider";

        NetworkConfig config;
        int self = -1;
        TlsProvider tlsProvider;
        LinkEmulation emulation = LinkEmulation.NONE;
        ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
        int ioThreads = 1;
        java.net.InetSocketAddress listen;
        boolean partiesOnly;

        /** The deployment's configuration (required). */
        public Context config(final NetworkConfig c) {
            this.config = c;
            return this;
        }

        /** This endpoint's id (required). */
        public Context self(final int id) {
            this.self = id;
            return this;
        }

        /** The TLS provider (default: property {@value #TLS_PROVIDER_PROPERTY}, else {@link TlsProvider#AUTO}). */
        public Context tlsProvider(final TlsProvider p) {
            this.tlsProvider = p;
            return this;
        }

        /** Link emulation of the messages this endpoint receives (default none). */
        public Context emulation(final LinkEmulation e) {
            this.emulation = e;
            return this;
        }

        /** The buffer allocator of the connections (default Netty's). */
        public Context allocator(final ByteBufAllocator a) {
            this.allocator = a;
            return this;
        }

        /** Number of I/O threads (default 1). */
        public Context ioThreads(final int n) {
            this.ioThreads = n;
            return this;
        }

        /**
         * Where to listen, when not at this endpoint's address in the configuration (behind a NAT or a port
         * forward, or on every interface).
         */
        public Context listen(final java.net.InetSocketAddress address) {
            this.listen = address;
            return this;
        }

        /**
         * Connects to the other parties only, not to the helper endpoints (parties that consume preprocessing files
         * need no dealer online). Default false: every endpoint of the configuration.
         */
        public Context partiesOnly(final boolean b) {
            this.partiesOnly = b;
            return this;
        }

        /** Fills in defaults and checks the settings. */
        public Context conclude() {
            if (config == null) {
                throw new IllegalArgumentException("a network configuration is required");
            }
            if (self < 0 || self >= config.endpoints().size()) {
                throw new IllegalArgumentException("self must be an endpoint of the configuration, self=" + self
                    + ", endpoints=" + config.endpoints().size());
            }
            if (partiesOnly && self >= config.parties()) {
                throw new IllegalArgumentException("only a party connects to the parties only, self=" + self
                    + ", parties=" + config.parties());
            }
            if (ioThreads < 1 || ioThreads > 64) {
                throw new IllegalArgumentException("ioThreads must be between 1 and 64, ioThreads=" + ioThreads);
            }
            if (tlsProvider == null) {
                final String p = System.getProperty(TLS_PROVIDER_PROPERTY, "auto");
                try {
                    tlsProvider = TlsProvider.valueOf(p.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("-D" + TLS_PROVIDER_PROPERTY + " must be auto, openssl or jdk,"
                        + " got '" + Untrusted.quote(p) + "'", e);
                }
                if (tlsProvider == TlsProvider.NONE_FOR_MEASUREMENT_ONLY) {
                    throw new IllegalArgumentException("-D" + TLS_PROVIDER_PROPERTY + " cannot switch TLS off");
                }
            }
            if (listen == null) {
                final NetworkConfig.Endpoint me = config.endpoint(self);
                listen = new java.net.InetSocketAddress(me.host(), me.port());
            }
            return this;
        }
    }
}
