package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.dealer.BeaverTriple;
import dev.obscura.mpc.Bilinear;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.protocols.dealer.TripleCorrelation;
import dev.obscura.ring.RingTensor;

/**
 * Multiplication of two shared values by a Beaver triple, for any bilinear map {@code op} (elementwise product,
 * matrix product, convolution and its backward passes). Ref: Beaver, CRYPTO 1991; the single routine for every
 * bilinear map follows CrypTen's {@code beaver.py}.
 *
 * <ol>
 *   <li>The dealer gives shares of uniform {@code a}, {@code b} and of {@code c = op(a, b)}.</li>
 *   <li>Each party computes {@code e_i = x_i - a_i} and {@code f_i = y_i - b_i} and opens both in one frame per
 *       peer: one round, {@code (|x| + |y|) * 8} bytes to each peer.</li>
 *   <li>{@code z_i = c_i + op(e, y_i) + op(a_i, f)}. Summed over the parties this is
 *       {@code op(a, b) + op(e, y) + op(a, f) = op(e + a, y) = op(x, y)}: two local evaluations of {@code op}
 *       instead of the textbook three. For the elementwise product both are fused with their additions
 *       ({@link Backend#mulAdd}): two passes over the operands in all.</li>
 * </ol>
 * The result has the sum of the operands' fractional bits; the caller truncates it.
 */
final class Beaver {
    private final Session session;
    private final DealerClient dealer;
    private final Comm comm;

    Beaver(final Session session, final DealerClient dealer, final Comm comm) {
        this.session = session;
        this.dealer = dealer;
        this.comm = comm;
    }

    /** Shares of {@code op(x, y)}, untruncated. */
    RingTensor multiply(final Bilinear op, final RingTensor x, final RingTensor y) {
        final Backend be = session.backend();
        try (BeaverTriple t = dealer.take(new TripleCorrelation(op));
             RingTensor eShare = x.uninitializedLike();
             RingTensor fShare = y.uninitializedLike()) {
            be.sub(x, t.a(), eShare);
            be.sub(y, t.b(), fShare);
            final RingTensor[] opened = comm.openAll(eShare, fShare);
            try (RingTensor e = opened[0]; RingTensor f = opened[1]) {
                // Every output below is overwritten whole by its kernel (the Backend contract): no zeroing pass.
                final RingTensor z = RingTensor.uninitialized(op.shapeZ());
                if (op.kind() == Bilinear.Kind.MUL) {
                    // Elementwise: two fused passes, z = e * y + c, then z = a * f + z.
                    be.mulAdd(e, y, t.c(), z);
                    be.mulAdd(t.a(), f, z, z);
                    return z;
                }
                try (RingTensor term = RingTensor.uninitialized(op.shapeZ())) {
                    op.apply(be, e, y, z);
                    be.add(z, t.c(), z);
                    op.apply(be, t.a(), f, term);
                    be.add(z, term, z);
                }
                return z;
            }
        }
    }
}
