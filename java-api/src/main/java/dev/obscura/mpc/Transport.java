package dev.obscura.mpc;

import dev.obscura.ring.RingTensor;
import java.time.Duration;

/**
 * Moves framed messages between endpoints: the computing parties {@code 0 .. parties-1} and the dealer, whose id is
 * {@code parties}. Messages between two endpoints arrive whole and in the order they were sent. Parties never touch
 * each other's objects: everything crosses a transport as bytes, so that an in-process transport and a TCP/TLS one
 * are interchangeable under every protocol.
 *
 * <p>Every receive waits at most {@link #timeout()}; a peer that stalls, disconnects, fails or sends a frame of the
 * wrong size makes the receive throw {@link TransportException}, never hang. Frame lengths are checked against what
 * the protocol expects, so garbage is refused rather than misread.
 *
 * <p>One thread per link: a transport is used by the thread of the party that owns it, except that one other thread
 * may send to and receive from one peer that the party's thread then leaves alone (a background filler of
 * correlated randomness on the dealer's link). Each link has its own order and queue, and the counters are safe to
 * update from both threads; {@link #close()} belongs to the party's thread.
 */
public interface Transport extends AutoCloseable {

    /** This endpoint's id. */
    int self();

    /** Number of computing parties (the dealer's id is this number). */
    int parties();

    /** The longest any receive waits. */
    Duration timeout();

    /** Sends one frame holding the elements of {@code parts}, concatenated. Does not block on the receiver. */
    void send(int peer, RingTensor... parts);

    /** Sends one frame holding {@code bytes}. */
    void sendBytes(int peer, byte[] bytes);

    /**
     * Receives the next frame from {@code peer} into {@code parts}: its length must equal their total size.
     *
     * @throws TransportException on time-out, peer failure or disconnect, or a frame of the wrong length
     */
    void receive(int peer, RingTensor... parts);

    /** Receives the next frame from {@code peer} as bytes. */
    byte[] receiveBytes(int peer);

    /** Payload bytes this endpoint has sent, to all peers, since it was opened. */
    long bytesSent();

    /** Payload bytes this endpoint has sent to {@code peer}. */
    long bytesSentTo(int peer);

    /** Payload bytes this endpoint has received from {@code peer}. */
    long bytesReceivedFrom(int peer);

    /** Frames this endpoint has sent. */
    long framesSent();

    /** Closes this endpoint; peers waiting on it fail with a {@link TransportException}. */
    @Override
    void close();
}
