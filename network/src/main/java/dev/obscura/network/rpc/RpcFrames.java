package dev.obscura.network.rpc;

import static dev.obscura.network.rpc.RpcFrameDescriptor.HEADER_LENGTH;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading and writing {@link RpcFrameDescriptor} frames. {@link Decoder} cuts the decrypted stream of one connection
 * into frames and checks each header before it takes in a byte of the payload; {@link #write} sends one frame.
 *
 * <p>Payloads are the applications' messages (a worker's tensors, say), so every buffer that held one is zeroed
 * before it goes back to Netty's pool: outgoing frames once written, incoming slices once copied out.
 */
final class RpcFrames {
    private RpcFrames() {
    }

    /** One decoded frame. */
    record Frame(int type, long id, byte[] payload) {
    }

    /**
     * Writes one frame on {@code channel}: header and payload gathered into one direct buffer, zeroed once the TLS
     * layer has taken it.
     */
    static ChannelFuture write(final Channel channel, final int type, final long id, final byte[] payload) {
        final ByteBuf out = channel.alloc().directBuffer(HEADER_LENGTH + payload.length);
        out.writeIntLE(HEADER_LENGTH + payload.length);
        out.writeByte(RpcFrameDescriptor.VERSION);
        out.writeByte(type);
        out.writeShortLE(0);
        out.writeLongLE(id);
        out.writeBytes(payload);
        // One reference for the TLS layer, which releases it once encrypted, one for zeroing after the write.
        out.retain();
        final ChannelFuture f = channel.writeAndFlush(out);
        f.addListener((ChannelFutureListener) done -> {
            out.setZero(0, out.capacity());
            out.release();
        });
        return f;
    }

    /** A UTF-8 text payload cut to {@code maxBytes} bytes at a character boundary. */
    static byte[] text(final String message, final int maxBytes) {
        final byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return bytes;
        }
        int end = maxBytes;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        final byte[] cut = new byte[end];
        System.arraycopy(bytes, 0, cut, 0, end);
        return cut;
    }

    /**
     * Cuts one connection's decrypted byte stream into frames. A header is checked before any byte of its payload is
     * taken in: the length against the limit of its type (so an oversized length allocates nothing), the version,
     * the type (only those this end may receive), the reserved field and the request id. The payload is collected as
     * retained slices of the arriving buffers (memory grows with the bytes received, never with a declared length)
     * and copied into one array when complete. Anything wrong is a protocol error: the sink hears why and the
     * connection is closed. Runs on the connection's event loop only.
     */
    static final class Decoder extends ChannelInboundHandlerAdapter {
        /** What the decoder reports, on the event loop. */
        interface Sink {
            /** A whole frame arrived. */
            void frame(Frame frame);

            /** The peer broke the protocol; the connection is being closed. */
            void protocolError(String why);
        }

        private final Sink sink;
        private final long maxMessageBytes;
        private final boolean serverSide;
        // A heap buffer: the RPC layer needs no off-heap access, so a client JVM needs no --add-opens.
        private final byte[] headerBytes = new byte[HEADER_LENGTH];
        private final java.nio.ByteBuffer header =
            java.nio.ByteBuffer.wrap(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        private int headerFill;
        /** Payload bytes of the frame being read, or -1 while reading a header. */
        private int payloadLength = -1;
        private int payloadFill;
        private int type;
        private long id;
        private final List<ByteBuf> slices = new ArrayList<>(2);
        private boolean failed;

        /**
         * A decoder for the service's end ({@code serverSide}: it receives requests) or the client's (welcomes,
         * responses, errors), refusing requests and responses above {@code maxMessageBytes}.
         */
        Decoder(final Sink sink, final long maxMessageBytes, final boolean serverSide) {
            this.sink = sink;
            this.maxMessageBytes = maxMessageBytes;
            this.serverSide = serverSide;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
            if (!(msg instanceof ByteBuf in)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                while (in.isReadable() && !failed) {
                    if (payloadLength < 0) {
                        readHeader(ctx, in);
                    } else {
                        final int n = Math.min(payloadLength - payloadFill, in.readableBytes());
                        slices.add(in.readRetainedSlice(n));
                        payloadFill += n;
                        if (payloadFill == payloadLength) {
                            dispatch();
                        }
                    }
                }
            } finally {
                in.release();
            }
        }

        private void readHeader(final ChannelHandlerContext ctx, final ByteBuf in) {
            final int n = Math.min(HEADER_LENGTH - headerFill, in.readableBytes());
            in.readBytes(headerBytes, headerFill, n);
            headerFill += n;
            if (headerFill < HEADER_LENGTH) {
                return;
            }
            headerFill = 0;
            final String problem = checkHeader();
            if (problem != null) {
                failed = true;
                release();
                sink.protocolError(problem);
                ctx.close();
                return;
            }
            if (payloadLength == 0) {
                dispatch();
            }
        }

        /** Why the header just read is refused, or {@code null}; sets the frame's type, id and payload length. */
        private String checkHeader() {
            final int length = header.getInt(RpcFrameDescriptor.LENGTH_OFFSET);
            final int version = header.get(RpcFrameDescriptor.VERSION_OFFSET) & 0xFF;
            final int frameType = header.get(RpcFrameDescriptor.TYPE_OFFSET) & 0xFF;
            final int reserved = header.getShort(RpcFrameDescriptor.RESERVED_OFFSET);
            final long requestId = header.getLong(RpcFrameDescriptor.REQUEST_ID_OFFSET);
            if (version != RpcFrameDescriptor.VERSION) {
                return "unsupported protocol version, version=" + version + ", expected=" + RpcFrameDescriptor.VERSION;
            }
            if (!RpcFrameDescriptor.isKnownType(frameType)) {
                return "unknown frame type, type=" + frameType;
            }
            if (serverSide != (frameType == RpcFrameDescriptor.TYPE_REQUEST)) {
                return "a " + RpcFrameDescriptor.typeName(frameType) + " frame cannot travel to the "
                    + (serverSide ? "service" : "client");
            }
            final long maxPayload = RpcFrameDescriptor.maxPayload(frameType, maxMessageBytes);
            if (length < HEADER_LENGTH || (long) length - HEADER_LENGTH > maxPayload) {
                return RpcFrameDescriptor.typeName(frameType) + " frame length out of range, length=" + length
                    + ", min=" + HEADER_LENGTH + ", max=" + (HEADER_LENGTH + maxPayload);
            }
            if (reserved != 0) {
                return "reserved header field must be 0, reserved=" + reserved;
            }
            final boolean connectionFrame = frameType == RpcFrameDescriptor.TYPE_WELCOME;
            if (connectionFrame ? requestId != RpcFrameDescriptor.CONNECTION_ID
                : requestId < (frameType == RpcFrameDescriptor.TYPE_ERROR ? 0 : 1)) {
                return RpcFrameDescriptor.typeName(frameType) + " frame with a bad request id, id=" + requestId;
            }
            type = frameType;
            id = requestId;
            payloadLength = length - HEADER_LENGTH;
            payloadFill = 0;
            return null;
        }

        private void dispatch() {
            final byte[] payload = new byte[payloadLength];
            int at = 0;
            for (final ByteBuf s : slices) {
                final int n = s.readableBytes();
                s.getBytes(s.readerIndex(), payload, at, n);
                at += n;
            }
            release();
            payloadLength = -1;
            sink.frame(new Frame(type, id, payload));
        }

        private void release() {
            for (final ByteBuf s : slices) {
                s.setZero(s.readerIndex(), s.readableBytes());
                s.release();
            }
            slices.clear();
        }

        /** A description of a frame cut short by the end of the connection, or {@code null}. */
        String partial() {
            if (payloadLength >= 0) {
                return "in the middle of a frame (" + payloadFill + " of " + payloadLength + " payload bytes received)";
            }
            return headerFill > 0 ? "in the middle of a frame (" + headerFill + " of " + HEADER_LENGTH
                + " header bytes received)" : null;
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            release();
            ctx.fireChannelInactive();
        }
    }
}
