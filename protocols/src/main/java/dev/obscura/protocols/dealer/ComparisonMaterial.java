package dev.obscura.protocols.dealer;

import dev.obscura.ring.RingTensor;

/**
 * This party's shares of the dealer material of one exact comparison of {@code n} ring elements, bit-sliced in
 * {@code W = ceil(n / 64)} words per plane (bit {@code i % 64} of word {@code i / 64} belongs to element {@code i}).
 * See {@link ComparisonCorrelation} for how each part is drawn and {@code additive.Comparison} for the protocol.
 *
 * @param r       arithmetic shares of the uniform mask {@code r}, {@code [n]}; single use: the comparison overwrites
 *                it with this party's share of {@code x + r} before opening it
 * @param notR    XOR shares of the bit planes of {@code t = NOT r}, {@code [64, W]} (plane {@code j} is bit {@code j})
 * @param pairs   XOR shares of {@code t_2j AND t_2j+1} for {@code j = 0 .. 30}, {@code [31, W]}
 * @param andA    XOR shares of the uniform {@code a} of the bit-sliced AND triples, {@code [57, W]}
 * @param andB    XOR shares of the uniform {@code b}, {@code [57, W]}
 * @param andC    XOR shares of {@code c = a AND b}, {@code [57, W]}
 * @param bit     XOR shares of a uniform random bit per element, packed, {@code [W]}
 * @param bitArith arithmetic shares of the same bit as a 0/1 ring value, {@code [n]}
 * @param maskTimesBit arithmetic shares of {@code r * bit}, {@code [n]}; {@code null} unless the correlation asked
 *                for the select (ReLU)
 */
public record ComparisonMaterial(RingTensor r, RingTensor notR, RingTensor pairs, RingTensor andA, RingTensor andB,
                                 RingTensor andC, RingTensor bit, RingTensor bitArith, RingTensor maskTimesBit)
    implements AutoCloseable {

    /** Whether this material carries {@link #maskTimesBit} for multiplying the input by the comparison bit. */
    public boolean hasSelect() {
        return maskTimesBit != null;
    }

    @Override
    public void close() {
        r.close();
        notR.close();
        pairs.close();
        andA.close();
        andB.close();
        andC.close();
        bit.close();
        bitArith.close();
        if (maskTimesBit != null) {
            maskTimesBit.close();
        }
    }

    @Override
    public String toString() {
        return "ComparisonMaterial[r=" + r + ", select=" + hasSelect() + "]";
    }
}
