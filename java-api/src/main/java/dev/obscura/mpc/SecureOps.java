package dev.obscura.mpc;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.ring.RingTensor;

/**
 * The operations on secret-shared tensors that one party runs, SPMD: every party calls the same operations in the
 * same order on its own shares. The result of every operation is a new {@link SecretTensor} owned by the caller.
 *
 * <h2>Scales</h2>
 * A {@link SecretTensor} carries its fractional bits: 0 for integers and bits, the session's f for fixed-point
 * values. A product of values with {@code fa} and {@code fb} fractional bits is rescaled to
 * {@code f}: when {@code fa + fb} exceeds the session's f, the product is
 * truncated by the excess, so fixed point x fixed point stays fixed point, and a bit (0) x fixed point needs no
 * truncation. Additions need equal scales.
 *
 * <h2>Errors</h2>
 * Wrong shapes or scales throw {@link IllegalArgumentException} naming them; communication failures throw
 * {@link TransportException}. No message ever contains a share, a mask or a revealed value.
 */
public interface SecureOps {

    /** The session these operations run in. */
    Session session();

    /** The suite's offline/online separation, if it uses preprocessing. */
    default java.util.Optional<Preprocessing> preprocessing() {
        return java.util.Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------ in and out

    /**
     * Secret-shares a private input. The {@code owner} passes its values (fixed-point encoded with the session's f);
     * every other party passes {@code null} and only the shape.
     *
     * @throws dev.obscura.ring.FixedPointRangeException at the owner, before anything is sent
     */
    SecretTensor input(int owner, double[] values, int... shape);

    /** Secret-shares a private ring tensor with {@code fracBits}; non-owners pass {@code null}. */
    SecretTensor inputRing(int owner, RingTensor values, int fracBits, int... shape);

    /** A public constant as a secret tensor (party 0 holds it, the others hold 0): no communication. */
    SecretTensor constant(double[] values, int... shape);

    /** Opens {@code x} to every party: returns the ring value. One round. */
    RingTensor open(SecretTensor x);

    /** Opens {@code x} to every party, decoded with its fractional bits. One round. */
    double[] reveal(SecretTensor x);

    /** Opens {@code x} to {@code party} only: it gets the decoded values, every other party gets {@code null}. */
    double[] revealTo(int party, SecretTensor x);

    // ------------------------------------------------------------------------------------ local linear operations

    /** {@code a + b}, broadcasting; equal scales. No communication. */
    SecretTensor add(SecretTensor a, SecretTensor b);

    /** {@code a - b}, broadcasting; equal scales. No communication. */
    SecretTensor sub(SecretTensor a, SecretTensor b);

    /** {@code -a}. No communication. */
    SecretTensor neg(SecretTensor a);

    /** {@code a + p} for a public ring tensor {@code p} with the same scale as {@code a}, broadcasting. */
    SecretTensor addPublic(SecretTensor a, RingTensor p);

    /**
     * {@code a * p} elementwise for a public ring tensor {@code p} with {@code pFracBits} fractional bits,
     * broadcasting; truncated as a product (see the class comment). No communication unless it truncates.
     */
    SecretTensor mulPublic(SecretTensor a, RingTensor p, int pFracBits);

    /** {@code a · p} (matrix product) with a public right-hand side, truncated as a product. */
    SecretTensor matmulPublic(SecretTensor a, RingTensor p, int pFracBits, boolean transposeA, boolean transposeP);

    /** {@code a * k} for a public integer {@code k}: local, no truncation. */
    SecretTensor mulInteger(SecretTensor a, long k);

    /** Sum over {@code axis}, which is removed from the shape. Local. */
    SecretTensor sum(SecretTensor a, int axis);

    // ------------------------------------------------------------------------------ Beaver-triple products

    /** Elementwise product, same shapes. One round, then a truncation when both are fixed point. */
    SecretTensor mul(SecretTensor a, SecretTensor b);

    /** Matrix product (optionally transposed, optionally batched, as {@link dev.obscura.backend.Backend#matmul}). */
    SecretTensor matmul(SecretTensor a, SecretTensor b, boolean transposeA, boolean transposeB);

    /** 2-D convolution of {@code input [N,C,H,W]} with {@code weight [O,C,kH,kW]}, convolution-shaped triple. */
    SecretTensor conv2d(SecretTensor input, SecretTensor weight, Conv2dSpec spec);

    /** Gradient of {@link #conv2d} with respect to its input, of shape {@code inputShape}. */
    SecretTensor conv2dBackwardInput(SecretTensor gradOut, SecretTensor weight, Conv2dSpec spec, int... inputShape);

    /** Gradient of {@link #conv2d} with respect to its weight, of shape {@code weightShape}. */
    SecretTensor conv2dBackwardWeight(SecretTensor input, SecretTensor gradOut, Conv2dSpec spec,
                                      int... weightShape);

    /**
     * Exact truncation by {@code bits}: divides by 2^bits, rounding down with an error of at most 1 ulp, with zero
     * failures for every input of magnitude below 2^62. One round. The result has {@code fracBits - bits}
     * fractional bits.
     */
    SecretTensor truncate(SecretTensor a, int bits);

    // ------------------------------------------------------------------------------------------- comparison

    /** {@code [a < 0]} as a shared 0/1 integer (0 fractional bits), exact for every ring value. */
    SecretTensor lessThanZero(SecretTensor a);

    /** {@code max(a, 0)}, exact. */
    SecretTensor relu(SecretTensor a);

    /** {@code [a >= 0]} as a shared 0/1 integer: the derivative of ReLU (taking 1 at 0). */
    SecretTensor reluDerivative(SecretTensor a);

    /** {@code cond ? a : b} elementwise, where {@code cond} is a shared 0/1 integer. */
    SecretTensor where(SecretTensor cond, SecretTensor a, SecretTensor b);

    /** Elementwise maximum. */
    SecretTensor max(SecretTensor a, SecretTensor b);

    /**
     * Max-pooling of {@code input [N,C,H,W]} over {@code kH x kW} windows with the given strides (no padding).
     * Returns the pooled values and the one-hot position of each maximum (for the backward pass).
     */
    MaxPoolResult maxPool2d(SecretTensor input, int kH, int kW, int strideH, int strideW);

    /** One-hot (shared 0/1 integers) position of the maximum along the last axis; the first maximum wins ties. */
    SecretTensor argmax(SecretTensor a);

    // -------------------------------------------------------------------------------------- approximations

    /** {@code e^a}; domain, error bound and behaviour outside it are documented by the implementation. */
    SecretTensor exp(SecretTensor a);

    /** {@code 1 / a} for positive {@code a}; domain and error bound documented by the implementation. */
    SecretTensor reciprocal(SecretTensor a);

    /** Softmax along the last axis. */
    SecretTensor softmax(SecretTensor a);

    /** Result of {@link #maxPool2d}: pooled values and the one-hot argmax mask {@code [N, C, outH, outW, kH*kW]}. */
    record MaxPoolResult(SecretTensor values, SecretTensor argmaxMask) implements AutoCloseable {
        @Override
        public void close() {
            values.close();
            argmaxMask.close();
        }
    }
}
