package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;

/**
 * Mask expansion (Bonawitz et al., Section 3.4): {@code PRG(seed)} is the project's AES-CTR {@link Prg} keyed by the
 * 128-bit seed, stream 0, read as {@code m} elements of Z_2^64. Client and server expand the same seed to the same
 * mask on every backend, which is what makes the masks cancel.
 */
final class Masks {
    private Masks() {
    }

    /**
     * {@code acc += sign * PRG(seed)} over Z_2^64, with {@code scratch} (same shape as {@code acc}) as the expansion
     * buffer; {@code scratch} is zeroed afterwards so that no mask outlives its use.
     *
     * @param sign +1 or -1: {@code Delta_{u,v}} for a pairwise mask, +1 to add a self-mask, -1 to remove one
     */
    static void add(final Backend backend, final RingTensor acc, final Seed seed, final int sign,
                    final RingTensor scratch) {
        new Prg(seed, 0, backend).fill(scratch);
        if (sign > 0) {
            backend.add(acc, scratch, acc);
        } else {
            backend.sub(acc, scratch, acc);
        }
        scratch.fill(0);
    }

    /** {@code Delta_{u,v}}: +1 when u > v, -1 when u < v, so that {@code p_{u,v} + p_{v,u} = 0}. */
    static int delta(final int u, final int v) {
        return u > v ? 1 : -1;
    }
}
