package dev.obscura.protocols;

import dev.obscura.mpc.Transport;
import dev.obscura.ring.RingTensor;
import java.time.Duration;

/** A transport that forwards everything to another; tests override the calls they want to watch or break. */
class ForwardingTransport implements Transport {
    protected final Transport t;

    ForwardingTransport(final Transport t) {
        this.t = t;
    }

    @Override
    public int self() {
        return t.self();
    }

    @Override
    public int parties() {
        return t.parties();
    }

    @Override
    public Duration timeout() {
        return t.timeout();
    }

    @Override
    public void send(final int peer, final RingTensor... parts) {
        t.send(peer, parts);
    }

    @Override
    public void sendBytes(final int peer, final byte[] bytes) {
        t.sendBytes(peer, bytes);
    }

    @Override
    public void receive(final int peer, final RingTensor... parts) {
        t.receive(peer, parts);
    }

    @Override
    public byte[] receiveBytes(final int peer) {
        return t.receiveBytes(peer);
    }

    @Override
    public long bytesSent() {
        return t.bytesSent();
    }

    @Override
    public long bytesSentTo(final int peer) {
        return t.bytesSentTo(peer);
    }

    @Override
    public long bytesReceivedFrom(final int peer) {
        return t.bytesReceivedFrom(peer);
    }

    @Override
    public long framesSent() {
        return t.framesSent();
    }

    @Override
    public void close() {
        t.close();
    }
}
