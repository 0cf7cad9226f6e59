package dev.obscura.protocols.dealer;

import dev.obscura.ring.RingTensor;

/**
 * Truncation masks for {@code count} elements and a shift of {@code bits}. Dealer traffic: the last party's shares
 * of {@code rHigh} and {@code rMsb}, 16 bytes per element.
 */
public record TruncationCorrelation(int count, int bits) implements Correlation<TruncationPair> {
    /** The kind: parameters {@code count, bits}. */
    public static final CorrelationKind<TruncationCorrelation> KIND =
        new CorrelationKind<>("trunc", TruncationCorrelation::decode);

    public TruncationCorrelation {
        if (count < 0 || bits < 1 || bits > 62) {
            throw new IllegalArgumentException("truncation needs count >= 0 and bits in [1, 62], count=" + count
                + ", bits=" + bits);
        }
    }

    @Override
    public CorrelationKind<TruncationCorrelation> kind() {
        return KIND;
    }

    @Override
    public int[] params() {
        return new int[] {count, bits};
    }

    private static TruncationCorrelation decode(final int[] p) {
        if (p.length != 2) {
            throw new IllegalArgumentException("malformed truncation request, length=" + p.length);
        }
        return new TruncationCorrelation(p[0], p[1]);
    }

    @Override
    public TruncationPair generate(final Source s) {
        final RingTensor r = s.uniform(Source.Sharing.ARITHMETIC, count);
        final RingTensor rHigh = s.dependent(Source.Sharing.ARITHMETIC, new int[] {count}, be -> {
            final RingTensor whole = RingTensor.zeros(count);
            be.shiftLeft(r, 1, whole);
            be.shiftRightLogical(whole, bits + 1, whole);
            return whole;
        });
        final RingTensor rMsb = s.dependent(Source.Sharing.ARITHMETIC, new int[] {count}, be -> {
            final RingTensor whole = RingTensor.zeros(count);
            be.shiftRightLogical(r, 63, whole);
            return whole;
        });
        return new TruncationPair(r, rHigh, rMsb);
    }
}
