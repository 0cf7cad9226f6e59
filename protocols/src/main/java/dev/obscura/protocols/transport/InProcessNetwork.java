package dev.obscura.protocols.transport;

import dev.obscura.mpc.Transport;
import dev.obscura.mpc.TransportException;
import dev.obscura.ring.RingTensor;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Endpoints for parties (and the helper endpoints of their suite, a dealer say) running as threads of one process. Frames travel through off-heap buffers
 * that are recycled per channel: the sender copies its tensors in once, the receiver copies them out once, and no
 * buffer is allocated in the steady state. Nothing else is shared between endpoints, so protocols behave exactly as
 * they would over a network.
 *
 * <p>{@link #fail(String)} makes every waiting and future receive throw at once, which is how the runner turns one
 * party's exception into a fast failure of all the others.
 *
 * <h2>Frames that held secrets</h2>
 * A frame carries what one endpoint sends to one other: a party's masked openings, or the dealer's correlated
 * randomness for one party. Within its channel a frame is recycled as it is, without zeroing: it is written again
 * only by the same sender for the same receiver, and every byte it still holds (beyond a shorter message, too) was
 * already delivered to that receiver, so recycling shows nobody anything new. Frames never move to another channel.
 * When the network is closed, every frame it still holds is zeroed ({@link #close()}; a frame handed back after that
 * is zeroed as it comes back): the direct buffers then go back to the C allocator through the garbage collector, a
 * path that leaves the engine's control.
 */
public final class InProcessNetwork implements dev.obscura.protocols.ClusterNetwork {
    /** The most helper endpoints a network has (each pair of endpoints holds two channels). */
    public static final int MAX_HELPERS = 16;
    /** How often a blocked receive rechecks for failure and closing. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int parties;
    private final int endpointCount;
    private final Duration timeout;
    private final Channel[][] channels;
    private final AtomicIntegerArray closed;
    private final AtomicReference<String> failure = new AtomicReference<>();

    /**
     * A network of {@code parties} computing parties plus, when {@code withDealer}, a dealer with id
     * {@code parties}: {@code new InProcessNetwork(parties, withDealer ? 1 : 0, timeout)}.
     */
    public InProcessNetwork(final int parties, final boolean withDealer, final Duration timeout) {
        this(parties, withDealer ? 1 : 0, timeout);
    }

    /**
     * A network of {@code parties} computing parties plus {@code helpers} helper endpoints (a suite's
     * {@link dev.obscura.mpc.ProtocolSuite#helperRoles()}), with ids {@code parties .. parties + helpers - 1}.
     */
    public InProcessNetwork(final int parties, final int helpers, final Duration timeout) {
        if (parties < 2) {
            throw new IllegalArgumentException("at least two parties are needed, parties=" + parties);
        }
        if (helpers < 0 || helpers > MAX_HELPERS) {
            throw new IllegalArgumentException("helpers must be between 0 and " + MAX_HELPERS + ", helpers="
                + helpers);
        }
        this.parties = parties;
        this.endpointCount = parties + helpers;
        this.timeout = timeout;
        this.channels = new Channel[endpointCount][endpointCount];
        for (int from = 0; from < endpointCount; from++) {
            for (int to = 0; to < endpointCount; to++) {
                if (from != to) {
                    channels[from][to] = new Channel();
                }
            }
        }
        this.closed = new AtomicIntegerArray(endpointCount);
    }

    /** The endpoint of {@code id} (a party, or helper {@code id - parties}). */
    @Override
    public Transport endpoint(final int id) {
        if (id < 0 || id >= endpointCount) {
            throw new IllegalArgumentException("no such endpoint, id=" + id + ", endpoints=" + endpointCount);
        }
        return new Endpoint(id);
    }

    /** Makes every waiting and future receive fail with {@code why} (a fact, never data). */
    @Override
    public void fail(final String why) {
        failure.compareAndSet(null, why);
    }

    /** Fails the network (see {@link #fail}) and zeroes every frame it holds. */
    @Override
    public void close() {
        fail("the network was closed");
        for (final Channel[] row : channels) {
            for (final Channel ch : row) {
                if (ch != null) {
                    ch.close();
                }
            }
        }
    }

    /** For tests: the number of bytes that are not zero in the frames this network holds. */
    long nonZeroFrameBytes() {
        long count = 0;
        for (final Channel[] row : channels) {
            for (final Channel ch : row) {
                if (ch != null) {
                    for (final Frame f : ch.free) {
                        count += f.nonZeroBytes();
                    }
                    for (final Frame f : ch.inFlight) {
                        count += f.nonZeroBytes();
                    }
                }
            }
        }
        return count;
    }

    private static final class Frame {
        final ByteBuffer storage;
        final UnsafeBuffer view;
        int length;

        Frame(final int capacity) {
            storage = ByteBuffer.allocateDirect(Math.max(capacity, 64));
            view = new UnsafeBuffer(storage);
        }

        void zero() {
            view.setMemory(0, view.capacity(), (byte) 0);
        }

        long nonZeroBytes() {
            long count = 0;
            for (int i = 0; i < view.capacity(); i++) {
                count += view.getByte(i) != 0 ? 1 : 0;
            }
            return count;
        }
    }

    /** One direction between two endpoints: the queue of frames in flight and the recycled buffers. */
    private static final class Channel {
        final LinkedBlockingQueue<Frame> inFlight = new LinkedBlockingQueue<>();
        final ConcurrentLinkedQueue<Frame> free = new ConcurrentLinkedQueue<>();
        volatile boolean closed;

        /** Hands a frame back for reuse; once the network is closed, zeroes it (and every other frame held). */
        void recycle(final Frame f) {
            free.add(f);
            if (closed) {
                zeroAll();
            }
        }

        /** Queues a frame for the receiver; once the network is closed, zeroes it instead of leaving data there. */
        void deliver(final Frame f) {
            inFlight.add(f);
            if (closed) {
                zeroAll();
            }
        }

        void close() {
            closed = true;
            zeroAll();
        }

        /** A frame added concurrently is zeroed by its own recycle or deliver, which sees {@code closed}. */
        private void zeroAll() {
            free.forEach(Frame::zero);
            inFlight.forEach(Frame::zero);
        }

        Frame take(final int length) {
            for (int tries = free.size(); tries > 0; tries--) {
                final Frame f = free.poll();
                if (f == null) {
                    break;
                }
                if (f.view.capacity() >= length) {
                    f.length = length;
                    return f;
                }
            }
            final Frame f = new Frame(length);
            f.length = length;
            return f;
        }
    }

    private final class Endpoint implements Transport {
        private final int self;
        // Atomic: a background filler may send on the dealer's link beside the party's thread (DealerClient).
        private final AtomicLong bytesSent = new AtomicLong();
        private final long[] bytesSentTo = new long[endpointCount];
        private final AtomicLong framesSent = new AtomicLong();
        private final long[] bytesReceived = new long[endpointCount];

        Endpoint(final int self) {
            this.self = self;
        }

        @Override
        public int self() {
            return self;
        }

        @Override
        public int parties() {
            return parties;
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public void send(final int peer, final RingTensor... parts) {
            final Channel ch = channel(self, peer);
            long total = 0;
            for (final RingTensor p : parts) {
                total += p.numel() * Long.BYTES;
            }
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("frame must be below 2 GiB, bytes=" + total);
            }
            final Frame f = ch.take((int) total);
            int at = 0;
            for (final RingTensor p : parts) {
                final int len = (int) (p.numel() * Long.BYTES);
                f.view.putBytes(at, p.buffer(), 0, len);
                at += len;
            }
            enqueue(peer, ch, f);
        }

        @Override
        public void sendBytes(final int peer, final byte[] bytes) {
            final Channel ch = channel(self, peer);
            final Frame f = ch.take(bytes.length);
            f.view.putBytes(0, bytes);
            enqueue(peer, ch, f);
        }

        private void enqueue(final int peer, final Channel ch, final Frame f) {
            try {
                checkOpen();
            } catch (TransportException e) {
                ch.recycle(f); // it holds the message: back to the channel, zeroed if the network is closed
                throw e;
            }
            bytesSent.addAndGet(f.length);
            bytesSentTo[peer] += f.length;
            framesSent.incrementAndGet();
            ch.deliver(f);
        }

        @Override
        public void receive(final int peer, final RingTensor... parts) {
            final Channel ch = channel(peer, self);
            final Frame f = next(peer, ch);
            long expected = 0;
            for (final RingTensor p : parts) {
                expected += p.numel() * Long.BYTES;
            }
            if (f.length != expected) {
                ch.recycle(f);
                throw new TransportException(TransportException.Reason.PROTOCOL, "frame of unexpected size from endpoint " + peer + ": bytes="
                    + f.length + ", expected=" + expected + " (the parties are not running the same program)");
            }
            int at = 0;
            for (final RingTensor p : parts) {
                final int len = (int) (p.numel() * Long.BYTES);
                f.view.getBytes(at, p.buffer(), 0, len);
                at += len;
            }
            bytesReceived[peer] += f.length;
            ch.recycle(f);
        }

        @Override
        public byte[] receiveBytes(final int peer) {
            final Channel ch = channel(peer, self);
            final Frame f = next(peer, ch);
            final byte[] out = new byte[f.length];
            f.view.getBytes(0, out);
            bytesReceived[peer] += f.length;
            ch.recycle(f);
            return out;
        }

        private Frame next(final int peer, final Channel ch) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                checkOpen();
                final Frame f;
                try {
                    f = ch.inFlight.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TransportException(TransportException.Reason.FAILED, "interrupted while waiting for endpoint " + peer, e);
                }
                if (f != null) {
                    return f;
                }
                // A network failure explains a peer that closed: report the failure.
                checkOpen();
                if (closed.get(peer) != 0) {
                    // A frame sent just before the peer closed (after the poll above gave up) is still delivered.
                    final Frame last = ch.inFlight.poll();
                    if (last != null) {
                        return last;
                    }
                    throw new TransportException(TransportException.Reason.CLOSED, "endpoint " + peer + " closed the connection");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new TransportException(TransportException.Reason.TIMEOUT, "timed out after " + timeout.toMillis() + " ms waiting for endpoint "
                        + peer + " (endpoint " + self + ")");
                }
            }
        }

        private void checkOpen() {
            final String why = failure.get();
            if (why != null) {
                throw new TransportException(TransportException.Reason.FAILED, why);
            }
            if (closed.get(self) != 0) {
                throw new TransportException(TransportException.Reason.CLOSED, "endpoint " + self + " is closed");
            }
        }

        private Channel channel(final int from, final int to) {
            if (to < 0 || to >= endpointCount || from < 0 || from >= endpointCount || from == to) {
                throw new IllegalArgumentException("no channel between endpoints, from=" + from + ", to=" + to
                    + ", endpoints=" + endpointCount);
            }
            return channels[from][to];
        }

        @Override
        public long bytesSent() {
            return bytesSent.get();
        }

        @Override
        public long bytesSentTo(final int peer) {
            return peer >= 0 && peer < endpointCount ? bytesSentTo[peer] : 0;
        }

        @Override
        public long bytesReceivedFrom(final int peer) {
            return peer >= 0 && peer < endpointCount ? bytesReceived[peer] : 0;
        }

        @Override
        public long framesSent() {
            return framesSent.get();
        }

        @Override
        public void close() {
            closed.set(self, 1);
        }

        @Override
        public String toString() {
            return "InProcessTransport[self=" + self + ", parties=" + parties + "]";
        }
    }
}
