package dev.obscura.protocols.dealer;

import dev.obscura.mpc.Bilinear;
import dev.obscura.ring.RingTensor;

/** A Beaver triple shaped for one {@link Bilinear} map. Dealer traffic: the last party's share of c only. */
public record TripleCorrelation(Bilinear op) implements Correlation<BeaverTriple> {
    /** The kind: a triple for the {@link Bilinear} map its parameters encode. */
    public static final CorrelationKind<TripleCorrelation> KIND =
        new CorrelationKind<>("beaver", params -> new TripleCorrelation(Bilinear.decode(params)));

    @Override
    public CorrelationKind<TripleCorrelation> kind() {
        return KIND;
    }

    @Override
    public int[] params() {
        return op.encode();
    }

    @Override
    public BeaverTriple generate(final Source s) {
        final RingTensor a = s.uniform(Source.Sharing.ARITHMETIC, op.shapeX());
        final RingTensor b = s.uniform(Source.Sharing.ARITHMETIC, op.shapeY());
        final RingTensor c = s.dependent(Source.Sharing.ARITHMETIC, op.shapeZ(), be -> {
            final RingTensor whole = RingTensor.uninitialized(op.shapeZ());
            op.apply(be, a, b, whole);
            return whole;
        });
        return new BeaverTriple(a, b, c);
    }
}
