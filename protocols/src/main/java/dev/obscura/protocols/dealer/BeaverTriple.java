package dev.obscura.protocols.dealer;

import dev.obscura.ring.RingTensor;

/**
 * This party's shares of a Beaver triple for a bilinear map: uniform {@code a} and {@code b}, and
 * {@code c = op(a, b)} (Beaver, "Efficient multiparty protocols using circuit randomization", CRYPTO 1991).
 */
public record BeaverTriple(RingTensor a, RingTensor b, RingTensor c) implements AutoCloseable {
    @Override
    public void close() {
        a.close();
        b.close();
        c.close();
    }

    @Override
    public String toString() {
        return "BeaverTriple[a=" + a + ", b=" + b + ", c=" + c + "]";
    }
}
