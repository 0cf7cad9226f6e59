package dev.obscura.network;

import static dev.obscura.network.FrameDescriptor.HEADER_LENGTH;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCounted;

/**
 * Puts the header ({@link FrameDescriptor}) in front of each outgoing frame and numbers the frames of the
 * connection, in the order the event loop writes them, so that heartbeats written by the event loop and messages
 * written by the party's thread share one sequence.
 *
 * <p>A payload up to {@link #GATHER_LIMIT} bytes is copied behind the header into one buffer, so a small message is
 * one TLS record; that buffer held plaintext, so it is zeroed once written, before it goes back to the pool. A
 * larger payload is written as it is, after the header: the TLS layer encrypts it straight from the tensors' memory.
 */
final class FrameEncoder extends ChannelOutboundHandlerAdapter {
    /** The largest payload gathered with its header into one buffer: one TLS record holds 16 KiB. */
    static final int GATHER_LIMIT = 16 * 1024 - HEADER_LENGTH;

    /**
     * One frame to write: its type and payload (null for none), which the encoder takes over; {@code ownsPlaintext}
     * when the payload is a buffer of the transport's that holds a copy of the message (zeroed once written).
     *
     * <p>Reference-counted through its payload: a write that Netty drops before it reaches the encoder (the channel
     * closed and its pipeline gone, or its event loop stopped) releases the message with {@code ReferenceCountUtil},
     * which then releases (and zeroes, when owned) the payload instead of leaking it.
     */
    record Outbound(int type, ByteBuf payload, boolean ownsPlaintext) implements ReferenceCounted {
        @Override
        public int refCnt() {
            return payload == null ? 1 : payload.refCnt();
        }

        @Override
        public Outbound retain() {
            return retain(1);
        }

        @Override
        public Outbound retain(final int increment) {
            if (payload != null) {
                payload.retain(increment);
            }
            return this;
        }

        @Override
        public Outbound touch() {
            return touch(null);
        }

        @Override
        public Outbound touch(final Object hint) {
            if (payload != null) {
                payload.touch(hint);
            }
            return this;
        }

        @Override
        public boolean release() {
            return release(1);
        }

        @Override
        public boolean release(final int decrement) {
            if (payload == null) {
                return false;
            }
            if (ownsPlaintext && payload.refCnt() == decrement) {
                payload.setZero(0, payload.capacity());
            }
            return payload.release(decrement);
        }
    }

    private final int self;
    private long sessionId;
    private long nextSequence;
    private volatile long lastWriteNanos = System.nanoTime();

    FrameEncoder(final int self) {
        this.self = self;
    }

    /** Frames after the hello carry {@code session}. Called on the event loop. */
    void established(final long session) {
        this.sessionId = session;
    }

    /** The session id of the frames after the hello (for tests that forge frames). */
    long sessionId() {
        return sessionId;
    }

    /** The sequence number of the next frame (for tests that forge frames). */
    long nextSequence() {
        return nextSequence;
    }

    /** When the last frame was written. */
    long lastWriteNanos() {
        return lastWriteNanos;
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise) {
        if (!(msg instanceof Outbound frame)) {
            ctx.write(msg, promise);
            return;
        }
        final ByteBuf payload = frame.payload();
        if (!ctx.channel().isActive()) {
            // Closed meanwhile (a write queued behind the close): nothing is allocated, the payload is released.
            if (payload != null) {
                release(payload, frame.ownsPlaintext());
            }
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            return;
        }
        final int payloadLength = payload == null ? 0 : payload.readableBytes();
        lastWriteNanos = System.nanoTime();
        if (payloadLength <= GATHER_LIMIT) {
            final ByteBuf out = ctx.alloc().directBuffer(HEADER_LENGTH + payloadLength);
            writeHeader(out, frame.type(), payloadLength);
            if (payload != null) {
                out.writeBytes(payload);
                release(payload, frame.ownsPlaintext());
            }
            if (payloadLength == 0) {
                ctx.write(out, promise);
                return;
            }
            // One reference for the TLS layer, which releases it once encrypted, one for zeroing after the write.
            out.retain();
            ctx.write(out, promise).addListener((ChannelFutureListener) f -> {
                out.setZero(0, out.capacity());
                out.release();
            });
            return;
        }
        final ByteBuf header = ctx.alloc().directBuffer(HEADER_LENGTH);
        writeHeader(header, frame.type(), payloadLength);
        final CompositeByteBuf out = ctx.alloc().compositeDirectBuffer(2);
        out.addComponents(true, header, payload);
        if (!frame.ownsPlaintext()) {
            ctx.write(out, promise);
            return;
        }
        payload.retain();
        ctx.write(out, promise).addListener((ChannelFutureListener) f -> release(payload, true));
    }

    private static void release(final ByteBuf payload, final boolean zero) {
        if (zero) {
            payload.setZero(0, payload.capacity());
        }
        payload.release();
    }

    private void writeHeader(final ByteBuf out, final int type, final int payloadLength) {
        final long sequence = nextSequence++;
        out.writeIntLE(HEADER_LENGTH + payloadLength);
        out.writeByte(FrameDescriptor.VERSION);
        out.writeByte(type);
        out.writeShortLE(self);
        out.writeLongLE(type == FrameDescriptor.TYPE_HELLO ? 0 : sessionId);
        out.writeLongLE(sequence);
    }
}
