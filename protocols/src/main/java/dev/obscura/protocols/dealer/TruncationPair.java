package dev.obscura.protocols.dealer;

import dev.obscura.ring.RingTensor;

/**
 * This party's shares of a truncation mask: a uniform {@code r}, {@code rHigh = (r mod 2^63) >> bits} and the top
 * bit {@code rMsb = r >> 63} as a 0/1 ring value. See {@code Truncation} for the protocol.
 */
public record TruncationPair(RingTensor r, RingTensor rHigh, RingTensor rMsb) implements AutoCloseable {
    @Override
    public void close() {
        r.close();
        rHigh.close();
        rMsb.close();
    }

    @Override
    public String toString() {
        return "TruncationPair[" + r + "]";
    }
}
