package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.protocols.dealer.TruncationCorrelation;
import dev.obscura.protocols.dealer.TruncationPair;
import dev.obscura.ring.RingTensor;

/**
 * Exact one-round truncation of a shared value {@code x} by {@code k} bits, for every {@code |x| < 2^62}: the result
 * is {@code floor(x / 2^k)} or one more (an error of at most 1 ulp), and it never fails. Ref: Dalskov, Escudero and
 * Keller, "Secure evaluation of quantized neural networks", PETS 2020, Section 3; SPU's {@code TruncAPr}.
 * The local truncation of SecureML instead destroys a value with probability about {@code |x| / 2^63}.
 *
 * <p>The dealer gives shares of a uniform {@code r = r_msb * 2^63 + r_low}, of {@code r_high = r_low >> k} and of
 * the bit {@code r_msb}.
 * <ol>
 *   <li>Shift to non-negative: {@code y = x + 2^62}, so {@code 0 <= y < 2^63}.</li>
 *   <li>Open {@code c = y + r}: one round, 8 bytes per element to each peer; {@code c} is uniform, so it hides
 *       {@code y}. Write {@code c' = c mod 2^63} and {@code c_msb = c >> 63}.</li>
 *   <li>Since {@code y + r_low < 2^64}, {@code y + r_low = c' + 2^63 w} with the carry
 *       {@code w = c_msb XOR r_msb = c_msb + r_msb - 2 c_msb r_msb}, linear in the shares of {@code r_msb}.</li>
 *   <li>So {@code y = c' - r_low + 2^63 w}, and
 *       {@code floor(y / 2^k) = (c' >> k) - r_high + 2^(63-k) w - b} with a borrow {@code b} in {0, 1} that is
 *       dropped: the 1-ulp error.</li>
 *   <li>Undo the shift: subtract {@code 2^(62-k)}.</li>
 * </ol>
 * Steps 3 to 5 are one fused pass, {@link Backend#truncateMasked}, written in place over the opened {@code c}.
 */
final class Truncation {
    private static final long HALF_RANGE = 1L << 62;

    private final Session session;
    private final DealerClient dealer;
    private final Comm comm;

    Truncation(final Session session, final DealerClient dealer, final Comm comm) {
        this.session = session;
        this.dealer = dealer;
        this.comm = comm;
    }

    /** Shares of {@code x / 2^k} (within 1 ulp), for shares {@code x} of a value with {@code |x| < 2^62}. */
    RingTensor truncate(final RingTensor x, final int k) {
        final Backend be = session.backend();
        final boolean first = session.partyId() == 0;
        final int[] shape = x.shape();
        final int n = (int) x.numel();
        try (TruncationPair mask = dealer.take(new TruncationCorrelation(n, k));
             RingTensor masked = x.uninitializedLike()) {
            be.add(x, mask.r().reshape(shape), masked);
            if (first) {
                be.addScalar(masked, HALF_RANGE, masked);
            }
            final RingTensor c = comm.open(masked);
            try {
                // Steps 3 to 5 in one pass, in place over c: with w_i = r_msb_i (1 - 2 c_msb) + [first] c_msb,
                // z_i = 2^(63-k) w_i - r_high_i + [first] ((c' >> k) - 2^(62-k)).
                be.truncateMasked(c, mask.rHigh().reshape(shape), mask.rMsb().reshape(shape), k, first, c);
            } catch (final RuntimeException | Error e) {
                c.close();
                throw e;
            }
            return c;
        }
    }
}
