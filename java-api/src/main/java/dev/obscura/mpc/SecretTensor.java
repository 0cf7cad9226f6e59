package dev.obscura.mpc;

import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;

/**
 * This party's additive share of a secret tensor: the secret is the sum of all parties' shares modulo 2^64. The
 * {@code fracBits} say how the ring value is read: 0 for integers and bits, the session's f for fixed-point values.
 *
 * <p>A share alone is uniformly random and says nothing; still, {@link #toString()} prints only the shape and scale.
 * Owns its share: {@link #close()} releases it.
 */
public final class SecretTensor implements AutoCloseable {
    private final RingTensor share;
    private final int fracBits;

    /** Wraps {@code share} (taking ownership) as a value with {@code fracBits} fractional bits. */
    public SecretTensor(final RingTensor share, final int fracBits) {
        if (fracBits < 0 || fracBits > 62) {
            throw new IllegalArgumentException("fracBits must be in [0, 62], fracBits=" + fracBits);
        }
        this.share = share;
        this.fracBits = fracBits;
    }

    /** This party's share. */
    public RingTensor share() {
        return share;
    }

    /** Fractional bits of the shared value (0 for integers and bits). */
    public int fracBits() {
        return fracBits;
    }

    /** The shape. */
    public int[] shape() {
        return share.shape();
    }

    /** Element count. */
    public long numel() {
        return share.numel();
    }

    /** A view of the same share with another shape (same element count). */
    public SecretTensor reshape(final int... shape) {
        return new SecretTensor(share.reshape(shape), fracBits);
    }

    @Override
    public void close() {
        share.close();
    }

    @Override
    public String toString() {
        return "SecretTensor" + Shapes.toString(share.shape()) + "[fracBits=" + fracBits + "]";
    }
}
