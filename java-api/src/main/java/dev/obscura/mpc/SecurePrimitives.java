package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.Optional;

/**
 * The primitives a protocol suite implements, as FRESCO's {@code Numeric} beside {@code AdvancedNumeric}: sharing an
 * input, opening, the local linear operations, one product routine for every bilinear map, truncation and the
 * comparison with zero. Everything else, from fixed-point scales and reveals to max-pooling, argmax, exp, the
 * reciprocal and softmax, is written once over these in {@link SecureOps}, which is what applications and the
 * {@code nn} layer use. A new suite is a package that implements this interface and a {@link ProtocolSuite} that
 * hands it out, and passes the conformance harness ({@code SuiteConformance}, {@code obscura-protocols} test-jar).
 *
 * <h2>Shares</h2>
 * Every method takes and returns this party's share of a tensor: one {@link RingTensor} of the tensor's shape,
 * interpreted by the suite. A result is a new tensor owned by the caller; arguments are never modified. The
 * primitives know nothing about fixed point: products are exact ring products, and {@link SecureOps} tracks the
 * fractional bits and calls {@link #truncate} where a product needs rescaling.
 *
 * <p>The derived functions, and the secure {@code nn} engine, also re-index shares locally (gathering pooling
 * windows, transposing, concatenating) and add shares element by element, which is only right when the sharing is
 * linear element by element: the share of a re-indexed tensor is the re-indexed share, and shares of a sum are sums
 * of shares. Additive sharing has that property, and so does the clear suite (every party holds the value); the
 * local linear operations below are therefore default methods that apply the map to this party's share, and a
 * suite whose sharing is not of that kind overrides them.
 *
 * <h2>Cost</h2>
 * The local operations send nothing. Every other primitive counts its rounds on the session's
 * {@link CommStats} ({@link CommStats#round()}) where it sends; {@link SecureOps} opens the per-operation counters
 * around them. Optional faster forms of derived functions ({@link #nonNegative}, {@link #relu}) are default methods
 * that a suite overrides when it has a cheaper protocol.
 *
 * <p>Not thread-safe: one instance per party and session, used by that party's thread.
 */
public interface SecurePrimitives {

    /** The session these primitives run in. */
    Session session();

    /** The suite's offline/online separation, if it uses preprocessing. */
    default Optional<Preprocessing> preprocessing() {
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------ in and out

    /**
     * This party's share of {@code owner}'s ring tensor of {@code shape}: the owner passes {@code value} (of that
     * shape, already checked), every other party {@code null}.
     */
    RingTensor input(int owner, RingTensor value, int... shape);

    /** Opens {@code share} to every party: the ring value. */
    RingTensor open(RingTensor share);

    /** Opens {@code share} to {@code party} only: it gets the ring value, every other party {@code null}. */
    RingTensor openTo(int party, RingTensor share);

    // ------------------------------------------------------------------------------------ local linear operations

    /**
     * This party's share of {@code x + p} for a public ring tensor {@code p}, broadcasting (NumPy rules) to the
     * shape of both: the one primitive of this group that depends on the sharing (who adds the constant).
     */
    RingTensor addPublic(RingTensor x, RingTensor p);

    /** {@code x + y}, broadcasting. */
    default RingTensor add(final RingTensor x, final RingTensor y) {
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(x.shape(), y.shape()));
        backend().add(x, y, out);
        return out;
    }

    /** {@code x - y}, broadcasting. */
    default RingTensor sub(final RingTensor x, final RingTensor y) {
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(x.shape(), y.shape()));
        backend().sub(x, y, out);
        return out;
    }

    /** {@code -x}. */
    default RingTensor neg(final RingTensor x) {
        final RingTensor out = x.zerosLike();
        backend().neg(x, out);
        return out;
    }

    /** {@code x * p} elementwise for a public ring tensor {@code p}, broadcasting; the exact ring product. */
    default RingTensor mulPublic(final RingTensor x, final RingTensor p) {
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(x.shape(), p.shape()));
        backend().mul(x, p, out);
        return out;
    }

    /** The matrix product {@code x · p} with a public right-hand side, as {@link Backend#matmul}; exact. */
    default RingTensor matmulPublic(final RingTensor x, final RingTensor p, final boolean transposeX,
                                    final boolean transposeP) {
        final Bilinear op = Bilinear.matmul(x.shape(), p.shape(), transposeX, transposeP);
        final RingTensor out = RingTensor.zeros(op.shapeZ());
        op.apply(backend(), x, p, out);
        return out;
    }

    /** {@code x * k} for a public integer {@code k}. */
    default RingTensor mulInteger(final RingTensor x, final long k) {
        final RingTensor out = x.zerosLike();
        backend().mulScalar(x, k, out);
        return out;
    }

    /** The sum over {@code axis} (already checked, non-negative), which is removed from the shape. */
    default RingTensor sum(final RingTensor x, final int axis) {
        final int[] shape = x.shape();
        final int[] outShape = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != axis) {
                outShape[j++] = shape[i];
            }
        }
        final RingTensor out = RingTensor.zeros(outShape);
        backend().sum(x, axis, out);
        return out;
    }

    // ------------------------------------------------------------------------------------- products and the rest

    /**
     * This party's share of {@code op(x, y)} for shared operands of {@code op}'s shapes: the exact ring product,
     * untruncated (its fractional bits are the sum of the operands'). The additive suite runs one Beaver
     * multiplication, one round.
     */
    RingTensor multiply(Bilinear op, RingTensor x, RingTensor y);

    /**
     * This party's share of {@code x / 2^bits}, {@code 1 <= bits <= 62}: the floor or one more (an error of at most
     * 1 ulp of the result), with no failure for any {@code x} below 2^62 in magnitude.
     */
    RingTensor truncate(RingTensor x, int bits);

    /** This party's share of {@code [x < 0]} as a 0/1 ring value, {@code x} read as signed: exact for every value. */
    RingTensor lessThanZero(RingTensor x);

    /**
     * This party's share of {@code [x >= 0]} as a 0/1 ring value. The default is {@code 1 - [x < 0]}: one
     * {@link #lessThanZero} and local operations.
     */
    default RingTensor nonNegative(final RingTensor x) {
        try (RingTensor negative = lessThanZero(x);
             RingTensor flipped = neg(negative);
             RingTensor one = RingTensor.of(new long[] {1})) {
            return addPublic(flipped, one);
        }
    }

    /**
     * This party's share of {@code max(x, 0)}, in {@code x}'s scale. The default is {@code x [x >= 0]}: one
     * {@link #nonNegative} and one {@link #multiply}; a suite with a fused protocol overrides it.
     */
    default RingTensor relu(final RingTensor x) {
        try (RingTensor bit = nonNegative(x)) {
            return multiply(Bilinear.mul(x.shape()), x, bit);
        }
    }

    /** The backend of this party's session. */
    private Backend backend() {
        return session().backend();
    }
}
