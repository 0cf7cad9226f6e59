package dev.obscura.network;

import static dev.obscura.network.FrameDescriptor.HEADER_LENGTH;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Cuts the decrypted byte stream of one connection into frames ({@link FrameDescriptor}) and checks each header
 * before it takes in a byte of the payload: the length against the limit of the frame's type (so an oversized
 * length allocates nothing), the version, the type, the sender, the session id and the sequence number. The first
 * frame must be the hello and no other frame may be. Anything wrong is a protocol error: the sink hears why, and
 * the connection is closed.
 *
 * <p>Payloads are not copied: a data frame is handed on as retained slices of the buffers it arrived in. Runs on the
 * connection's event loop only.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** What the decoder reports; called on the event loop. */
    interface Sink {
        /** Any bytes arrived (the peer is alive). */
        void bytesRead();

        /** The peer's hello (the first frame). */
        void hello(byte[] payload);

        /** A data frame; the sink owns its slices. */
        void data(List<ByteBuf> slices, int length);

        /** The peer closed its endpoint normally. */
        void closed();

        /** The peer failed and said why (untrusted text). */
        void aborted(String reason);

        /** The peer broke the protocol; the connection is being closed. */
        void protocolError(String why);

        /** The connection ended; {@code partial} describes a frame cut short, or is {@code null}. */
        void disconnected(String partial);

        /** The connection failed below the frames (TLS or socket). */
        void ioError(Throwable cause);
    }

    /** Sender id that no frame can carry: the peer is not known yet. */
    static final int UNKNOWN_SENDER = -1;

    private final Sink sink;
    private final long maxFrameBytes;
    private final UnsafeBuffer header = new UnsafeBuffer(new byte[HEADER_LENGTH]);
    private int headerFill;
    /** Payload bytes of the frame being read, or -1 while reading a header. */
    private int payloadLength = -1;
    private int payloadFill;
    private int type;
    private List<ByteBuf> slices = new ArrayList<>(2);

    private int expectedSender = UNKNOWN_SENDER;
    private boolean acceptAnySender;
    private long sessionId;
    private long expectedSequence;
    private boolean helloSeen;
    private boolean closeSeen;
    private boolean failed;

    FrameDecoder(final Sink sink, final long maxFrameBytes) {
        this.sink = sink;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Only frames from {@code sender} are accepted from now on. */
    void expectSender(final int sender) {
        this.expectedSender = sender;
        this.acceptAnySender = false;
    }

    /** Accepts the hello of any sender (no TLS: the peer is known only from its hello). */
    void expectAnySender() {
        this.acceptAnySender = true;
    }

    /** The hellos were exchanged: every later frame must carry {@code session}. */
    void established(final int sender, final long session) {
        this.expectedSender = sender;
        this.acceptAnySender = false;
        this.sessionId = session;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!failed) {
                sink.bytesRead();
                decode(ctx, in);
            }
        } finally {
            in.release();
        }
    }

    private void decode(final ChannelHandlerContext ctx, final ByteBuf in) {
        while (in.isReadable() && !failed) {
            if (payloadLength < 0) {
                final int n = Math.min(HEADER_LENGTH - headerFill, in.readableBytes());
                in.readBytes(header.byteArray(), headerFill, n);
                headerFill += n;
                if (headerFill == HEADER_LENGTH) {
                    headerFill = 0;
                    final String problem = checkHeader();
                    if (problem != null) {
                        fail(ctx, problem);
                        return;
                    }
                    if (payloadLength == 0) {
                        dispatch(ctx);
                    }
                }
            } else {
                final int n = Math.min(payloadLength - payloadFill, in.readableBytes());
                slices.add(in.readRetainedSlice(n));
                payloadFill += n;
                if (payloadFill == payloadLength) {
                    dispatch(ctx);
                }
            }
        }
    }

    /** Why the header just read is refused, or {@code null}; sets the frame's type and payload length. */
    private String checkHeader() {
        final int length = header.getInt(FrameDescriptor.LENGTH_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        final int version = header.getByte(FrameDescriptor.VERSION_OFFSET) & 0xFF;
        final int frameType = header.getByte(FrameDescriptor.TYPE_OFFSET) & 0xFF;
        final int sender = header.getShort(FrameDescriptor.SENDER_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final long session = header.getLong(FrameDescriptor.SESSION_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        final long sequence = header.getLong(FrameDescriptor.SEQUENCE_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        if (length < HEADER_LENGTH || (long) length - HEADER_LENGTH > maxFrameBytes) {
            return "frame length out of range, length=" + length + ", min=" + HEADER_LENGTH + ", max="
                + (HEADER_LENGTH + maxFrameBytes) + " (max-frame-bytes plus the header)";
        }
        if (version != FrameDescriptor.VERSION) {
            return "unsupported protocol version, version=" + version + ", expected=" + FrameDescriptor.VERSION;
        }
        if (!FrameDescriptor.isKnownType(frameType)) {
            return "unknown frame type, type=" + frameType;
        }
        final long maxPayload = FrameDescriptor.maxPayload(frameType, maxFrameBytes);
        if (length - HEADER_LENGTH > maxPayload) {
            return FrameDescriptor.typeName(frameType) + " frame too long, payload=" + (length - HEADER_LENGTH)
                + ", max=" + maxPayload;
        }
        if (helloSeen == (frameType == FrameDescriptor.TYPE_HELLO)) {
            return helloSeen ? "a second hello frame" : "the first frame must be a hello, got a "
                + FrameDescriptor.typeName(frameType) + " frame";
        }
        if (closeSeen) {
            return "a " + FrameDescriptor.typeName(frameType) + " frame after the close frame";
        }
        if (!(acceptAnySender && frameType == FrameDescriptor.TYPE_HELLO) && sender != expectedSender) {
            return "frame from the wrong sender, sender=" + sender + ", expected=" + expectedSender;
        }
        if (session != sessionId) {
            return "frame of another session, session=" + Long.toHexString(session) + ", expected="
                + Long.toHexString(sessionId) + " (a frame of another connection or run)";
        }
        if (sequence != expectedSequence) {
            return "frame out of sequence, sequence=" + sequence + ", expected=" + expectedSequence
                + " (a lost, replayed or reordered frame)";
        }
        expectedSequence++;
        type = frameType;
        payloadLength = length - HEADER_LENGTH;
        payloadFill = 0;
        return null;
    }

    private void dispatch(final ChannelHandlerContext ctx) {
        final List<ByteBuf> payload = slices;
        final int length = payloadLength;
        slices = new ArrayList<>(2);
        payloadLength = -1;
        switch (type) {
            case FrameDescriptor.TYPE_DATA -> sink.data(payload, length);
            case FrameDescriptor.TYPE_HELLO -> {
                helloSeen = true;
                sink.hello(drain(payload, length));
            }
            case FrameDescriptor.TYPE_CLOSE -> {
                closeSeen = true;
                sink.closed();
            }
            case FrameDescriptor.TYPE_ABORT -> sink.aborted(new String(drain(payload, length),
                StandardCharsets.UTF_8));
            default -> releaseAll(payload); // a heartbeat: its arrival was the point
        }
    }

    private static byte[] drain(final List<ByteBuf> payload, final int length) {
        final byte[] out = new byte[length];
        int at = 0;
        for (final ByteBuf s : payload) {
            final int n = s.readableBytes();
            s.readBytes(out, at, n);
            at += n;
        }
        releaseAll(payload);
        return out;
    }

    private static void releaseAll(final List<ByteBuf> payload) {
        InboundFrame.zeroAndRelease(payload);
    }

    private void fail(final ChannelHandlerContext ctx, final String why) {
        failed = true;
        releaseAll(slices);
        sink.protocolError(why);
        ctx.close();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        final String partial = payloadLength >= 0 || headerFill > 0
            ? "in the middle of a frame (" + (payloadLength >= 0 ? payloadFill + " of " + payloadLength
            + " payload bytes" : headerFill + " of " + HEADER_LENGTH + " header bytes") + " received)" : null;
        releaseAll(slices);
        if (!failed) {
            sink.disconnected(partial);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (!failed) {
            failed = true;
            releaseAll(slices);
            sink.ioError(cause);
        }
        ctx.close();
    }
}
