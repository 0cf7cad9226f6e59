package dev.obscura.protocols.dealer;

import dev.obscura.mpc.Bilinear;
import dev.obscura.ring.RingTensor;

/** A Beaver triple shaped for one {@link Bilinear} map. Dealer traffic: the last party's share of c only. */
public record TripleCorrelation(Bilinear op) implements Correlation<BeaverTriple> {
    public static final String KIND = "beaver";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int[] params() {
        return op.encode();
    }

    static Correlation<?> decode(final int[] params) {
        return new TripleCorrelation(Bilinear.decode(params));
    }

    @Override
    public BeaverTriple generate(final Source s) {
        final RingTensor a = s.uniform(Source.Sharing.ARITHMETIC, op.shapeX());
        final RingTensor b = s.uniform(Source.Sharing.ARITHMETIC, op.shapeY());
        final RingTensor c = s.dependent(Source.Sharing.ARITHMETIC, op.shapeZ(), be -> {
            final RingTensor whole = RingTensor.zeros(op.shapeZ());
            op.apply(be, a, b, whole);
            return whole;
        });
        return new BeaverTriple(a, b, c);
    }
}
