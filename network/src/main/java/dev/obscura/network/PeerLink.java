package dev.obscura.network;

import dev.obscura.mpc.TransportException;
import dev.obscura.mpc.TransportException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This endpoint's side of the connection to one peer: the frames that arrived and wait for the program (the inbox),
 * whether the peer closed or failed, when it was last heard from, and the emulated link's state.
 *
 * <p>The event loop adds frames and failures; the party's thread takes frames. A peer that closes normally still
 * has every frame it sent before delivered, then {@link Reason#CLOSED}; a peer that failed, disconnected or broke
 * the protocol fails every receive at once. When more than {@link #PAUSE_BYTES} wait unread, the link stops reading
 * from the socket (TCP then slows the sender) until the program has taken half of them.
 */
final class PeerLink {
    /** Unread bytes above which the link stops reading from the socket. */
    static final long PAUSE_BYTES = 256L << 20;

    private final int peer;
    private final String label;
    private final LinkEmulation emulation;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<InboundFrame> inbox = new ArrayDeque<>();
    /** Completes when the hellos are exchanged; fails when the connection cannot be made. */
    final CompletableFuture<Void> ready = new CompletableFuture<>();

    private volatile Channel channel;
    private volatile FrameEncoder encoder;
    private final java.util.concurrent.atomic.AtomicInteger sendsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private long queuedBytes;
    private boolean peerClosed;
    private TransportException failure;
    private volatile boolean paused;
    private volatile long lastReadNanos = System.nanoTime();
    private long linkFreeAtNanos;
    private long bytesReceived;
    private long bytesSent;

    PeerLink(final int peer, final String label, final LinkEmulation emulation) {
        this.peer = peer;
        this.label = label;
        this.emulation = emulation;
    }

    int peer() {
        return peer;
    }

    /** {@code endpoint 1 (party-1)}: how messages name the peer. */
    String label() {
        return label;
    }

    Channel channel() {
        return channel;
    }

    /** The hellos were exchanged on {@code c}: the link is usable. Returns false if it already has a channel. */
    boolean attach(final Channel c, final FrameEncoder e) {
        if (channel != null) {
            return false;
        }
        this.encoder = e;
        this.lastReadNanos = System.nanoTime();
        this.channel = c;
        return true;
    }

    FrameEncoder encoder() {
        return encoder;
    }

    /** Counts a send starting ({@code +1}) or finishing ({@code -1}); heartbeats wait while one is in flight. */
    void sending(final int delta) {
        sendsInFlight.addAndGet(delta);
    }

    boolean sendInFlight() {
        return sendsInFlight.get() > 0;
    }

    // ---- event loop side

    void bytesRead() {
        lastReadNanos = System.nanoTime();
    }

    void deliver(final List<ByteBuf> slices, final int length) {
        final long now = System.nanoTime();
        long at = now;
        if (emulation.enabled()) {
            final long start = Math.max(now, linkFreeAtNanos);
            linkFreeAtNanos = start + emulation.transmissionNanos(length);
            at = linkFreeAtNanos + emulation.oneWayNanos();
        }
        final InboundFrame frame = new InboundFrame(slices, length, at);
        lock.lock();
        try {
            if (failure != null) {
                frame.release();
                return;
            }
            inbox.add(frame);
            queuedBytes += length;
            if (queuedBytes > PAUSE_BYTES && !paused) {
                paused = true;
                channel.config().setAutoRead(false);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void peerClosed() {
        lock.lock();
        try {
            peerClosed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails the link with {@code reason} and {@code message} unless it already failed; frames not yet taken are
     * dropped. Returns whether this call failed it.
     */
    boolean fail(final Reason reason, final String message) {
        lock.lock();
        try {
            if (failure != null) {
                return false;
            }
            failure = new TransportException(reason, message);
            drop();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        ready.completeExceptionally(new TransportException(reason, message));
        return true;
    }

    /** Whether the peer counts as gone: closed, failed, or silent for longer than {@code silenceNanos}. */
    boolean silentFor(final long silenceNanos) {
        return !paused && System.nanoTime() - lastReadNanos > silenceNanos;
    }

    // ---- party thread side

    /**
     * The next frame, waiting until {@code deadlineNanos}.
     *
     * @throws TransportException on time-out, or when the peer closed, failed or broke the protocol
     */
    InboundFrame take(final long deadlineNanos, final long timeoutMillis, final int self) {
        lock.lock();
        try {
            while (true) {
                if (failure != null) {
                    throw new TransportException(failure.reason(), failure.getMessage());
                }
                final InboundFrame head = inbox.peekFirst();
                final long now = System.nanoTime();
                if (head != null && head.availableAtNanos() - now <= 0) {
                    inbox.pollFirst();
                    queuedBytes -= head.length();
                    if (paused && queuedBytes <= PAUSE_BYTES / 2) {
                        paused = false;
                        lastReadNanos = now;
                        channel.config().setAutoRead(true);
                    }
                    return head;
                }
                if (head == null && peerClosed) {
                    throw new TransportException(Reason.CLOSED, label + " closed the connection");
                }
                if (now - deadlineNanos >= 0) {
                    throw new TransportException(Reason.TIMEOUT, "timed out after " + timeoutMillis
                        + " ms waiting for " + label + " (endpoint " + self + ")");
                }
                final long until = head == null ? deadlineNanos : Math.min(deadlineNanos, head.availableAtNanos());
                changed.awaitNanos(until - now);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(Reason.FAILED, "interrupted while waiting for " + label, e);
        } finally {
            lock.unlock();
        }
    }

    /** Throws the link's failure, if it failed, or CLOSED if the peer closed. */
    void checkWritable() {
        lock.lock();
        try {
            if (failure != null) {
                throw new TransportException(failure.reason(), failure.getMessage());
            }
            if (peerClosed) {
                throw new TransportException(Reason.CLOSED, label + " closed the connection");
            }
        } finally {
            lock.unlock();
        }
    }

    /** The failure, if the link failed, else {@code null}. */
    TransportException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    long bytesReceived() {
        return bytesReceived;
    }

    long bytesSent() {
        return bytesSent;
    }

    void countSent(final long bytes) {
        bytesSent += bytes;
    }

    void countReceived(final long bytes) {
        bytesReceived += bytes;
    }

    /** Releases (zeroing) every frame not yet taken. */
    void drop() {
        lock.lock();
        try {
            InboundFrame f;
            while ((f = inbox.pollFirst()) != null) {
                f.release();
            }
            queuedBytes = 0;
        } finally {
            lock.unlock();
        }
    }
}
