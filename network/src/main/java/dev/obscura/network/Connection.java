package dev.obscura.network;

import dev.obscura.mpc.TransportException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * One connection's life, on its event loop: after the TLS handshake it checks who the peer is (the common name of
 * its certificate must be the endpoint expected there), exchanges hellos and checks that both ends agree
 * ({@link Hello#disagreement}), then hands frames to the peer's {@link PeerLink}.
 *
 * <p>A connection this endpoint dialled belongs to one peer from the start, and any failure fails that peer's
 * link. An accepted connection belongs to nobody until its certificate names a lower endpoint that is not yet
 * connected; until then a failure (garbage instead of TLS, a certificate from another authority, an unknown name)
 * only closes it, with one log line, and the endpoint keeps waiting for the real peer.
 */
final class Connection extends ChannelInboundHandlerAdapter implements FrameDecoder.Sink {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    private final Endpoints owner;
    private final FrameDecoder decoder;
    private final FrameEncoder encoder;
    private final boolean tls;
    private ChannelHandlerContext ctx;
    /** The peer: known from the start when dialled, from the certificate (or hello, without TLS) when accepted. */
    private PeerLink link;
    private boolean helloSent;
    private boolean established;
    private boolean handshakeFailed;
    private boolean closeReceived;
    private boolean handshakeDone;

    Connection(final Endpoints owner, final PeerLink dialled, final boolean tls, final FrameEncoder encoder,
               final long maxFrameBytes) {
        this.owner = owner;
        this.link = dialled;
        this.tls = tls;
        this.encoder = encoder;
        this.decoder = new FrameDecoder(this, maxFrameBytes);
    }

    /** The decoder to put in the pipeline ahead of this handler. */
    FrameDecoder decoder() {
        return decoder;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext c) {
        this.ctx = c;
    }

    @Override
    public void channelActive(final ChannelHandlerContext c) {
        if (!tls) {
            authenticated(null);
        }
        c.fireChannelActive();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext c, final Object event) {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                handshakeFailed(done.cause());
                return;
            }
            try {
                authenticated(Tls.peerName(c.pipeline().get(SslHandler.class).engine().getSession()));
            } catch (SSLException e) {
                refuse("peer not authenticated: " + e.getMessage());
            }
            return;
        }
        c.fireUserEventTriggered(event);
    }

    private void handshakeFailed(final Throwable cause) {
        if (!handshakeFailed) {
            handshakeFailed = true;
            refuse("TLS handshake failed: " + describe(cause) + " (are both certificates issued by the configured CA?)");
        }
    }

    /** The TLS handshake is done and the peer's certificate names {@code name} ({@code null} without TLS). */
    private void authenticated(final String name) {
        handshakeDone = true;
        if (link != null) {
            final String expected = owner.config().endpoint(link.peer()).name();
            if (name != null && !name.equals(expected)) {
                refuse("its certificate names '" + Untrusted.quote(name) + "', expected '" + expected + "'");
                return;
            }
            decoder.expectSender(link.peer());
            sendHello();
            return;
        }
        if (name == null) {
            decoder.expectAnySender();
            return;
        }
        bind(owner.acceptable(name), "certificate names '" + Untrusted.quote(name) + "'");
    }

    /** Binds an accepted connection to the link of {@code peer} (null if it may not connect here). */
    private boolean bind(final PeerLink peer, final String who) {
        if (peer == null) {
            refuse(who + ", which is no endpoint that connects to endpoint " + owner.self() + " or is already"
                + " connected");
            return false;
        }
        link = peer;
        decoder.expectSender(peer.peer());
        sendHello();
        return true;
    }

    private void sendHello() {
        helloSent = true;
        final byte[] hello = owner.hello(link.peer()).encode();
        ctx.writeAndFlush(new FrameEncoder.Outbound(FrameDescriptor.TYPE_HELLO, Unpooled.wrappedBuffer(hello), false));
    }

    @Override
    public void hello(final byte[] payload) {
        final Hello theirs;
        try {
            theirs = Hello.decode(payload);
        } catch (IllegalArgumentException e) {
            protocolError("malformed hello: " + e.getMessage());
            ctx.close();
            return;
        }
        if (link == null && !bind(owner.acceptable(theirs.sender()), "hello says sender=" + theirs.sender())) {
            return;
        }
        final Hello mine = owner.hello(link.peer());
        final long session = mine.sessionId(theirs);
        encoder.established(session);
        decoder.established(link.peer(), session);
        final Optional<String> problem = mine.disagreement(theirs, link.label());
        if (problem.isPresent()) {
            final String why = problem.get();
            link.fail(Reason.FAILED, link.label() + " cannot join endpoint " + owner.self() + ": " + why);
            sendAbortAndClose(why);
            return;
        }
        established = true;
        owner.established(link, ctx.channel(), encoder);
    }

    /** Tells the peer why (an abort frame), then closes. */
    void sendAbortAndClose(final String why) {
        final byte[] reason = Untrusted.quote(why).getBytes(StandardCharsets.UTF_8);
        final int n = Math.min(reason.length, FrameDescriptor.MAX_REASON_BYTES);
        ctx.writeAndFlush(new FrameEncoder.Outbound(FrameDescriptor.TYPE_ABORT, Unpooled.wrappedBuffer(reason, 0, n),
            false))
            .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void bytesRead() {
        if (link != null) {
            link.bytesRead();
        }
    }

    @Override
    public void data(final List<ByteBuf> slices, final int length) {
        link.deliver(slices, length);
    }

    @Override
    public void closed() {
        closeReceived = true;
        link.peerClosed();
    }

    @Override
    public void aborted(final String reason) {
        link.fail(Reason.FAILED, link.label() + " failed: " + Untrusted.quote(reason));
        ctx.close();
    }

    @Override
    public void protocolError(final String why) {
        if (link == null) {
            LOG.log(Level.WARNING, "endpoint " + owner.self() + " closed a connection from " + ctx.channel()
                .remoteAddress() + " that broke the protocol: " + why);
            return;
        }
        link.fail(Reason.PROTOCOL, "protocol error from " + link.label() + ": " + why + "; connection closed");
    }

    @Override
    public void disconnected(final String partial) {
        if (link == null || closeReceived) {
            return;
        }
        if (!established) {
            link.fail(Reason.FAILED, link.label() + " closed the connection during set-up"
                + (helloSent ? "" : " (before the TLS handshake completed)"));
            return;
        }
        if (partial != null) {
            link.fail(Reason.PROTOCOL, link.label() + " disconnected " + partial + " (a truncated frame: it died or"
                + " the network failed)");
        } else {
            link.fail(Reason.FAILED, link.label() + " disconnected without closing (it died or the network failed)");
        }
    }

    @Override
    public void ioError(final Throwable cause) {
        if (handshakeFailed) {
            return;
        }
        if (tls && !handshakeDone) {
            handshakeFailed(cause);
            return;
        }
        if (link == null) {
            refuse(describe(cause));
            return;
        }
        final boolean garbage = cause instanceof SSLException || cause instanceof DecoderException;
        link.fail(garbage ? Reason.PROTOCOL : Reason.FAILED, (garbage ? "protocol error from " : "connection to ")
            + link.label() + " failed: " + describe(cause) + "; connection closed");
    }

    /** Closes this connection, failing the dialled peer's link, or logging an accepted stranger. */
    private void refuse(final String why) {
        if (link != null && (established || ctx.channel().parent() == null)) {
            link.fail(Reason.FAILED, "cannot connect to " + link.label() + ": " + why);
        } else {
            LOG.log(Level.WARNING, "endpoint " + owner.self() + " refused a connection from "
                + ctx.channel().remoteAddress() + ": " + why);
            link = null;
        }
        ctx.close();
    }

    private static String describe(final Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        final String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return Untrusted.quote(m);
    }
}
