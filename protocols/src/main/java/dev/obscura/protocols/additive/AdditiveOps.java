package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.Preprocessing;
import dev.obscura.mpc.CommStats;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.functions.Approximations;
import dev.obscura.mpc.functions.Pooling;
import dev.obscura.protocols.dealer.Bilinear;
import dev.obscura.protocols.dealer.Correlation;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.List;
import java.util.Optional;

/**
 * One party's operations in the semi-honest additive suite with a dealer: values are additive shares over Z_2^64,
 * products use Beaver triples, truncation and comparison use dealer masks. Linear operations are local; every
 * operation is counted in the session's {@link CommStats} under its name.
 */
final class AdditiveOps implements SecureOps {
    private final Session session;
    private final Backend be;
    private final int f;
    private final DealerClient dealer;
    private final Comm comm;
    private final Beaver beaver;
    private final Truncation truncation;
    private final Comparison comparison;
    private final Preprocessing preprocessing;

    AdditiveOps(final Session session, final DealerClient dealer) {
        this.session = session;
        this.be = session.backend();
        this.f = session.fixedPoint().fracBits();
        this.dealer = dealer;
        this.comm = new Comm(session);
        this.beaver = new Beaver(session, dealer, comm);
        this.truncation = new Truncation(session, dealer, comm);
        this.comparison = new Comparison(session, dealer, comm);
        this.preprocessing = new DealerPreprocessing(dealer);
    }

    @Override
    public Session session() {
        return session;
    }

    @Override
    public Optional<Preprocessing> preprocessing() {
        return Optional.of(preprocessing);
    }

    // ------------------------------------------------------------------------------------------------ in and out

    @Override
    public SecretTensor input(final int owner, final double[] values, final int... shape) {
        checkParty(owner);
        try (CommStats.Scope ignored = session.stats().operation("input")) {
            RingTensor encoded = null;
            if (session.partyId() == owner) {
                if (values == null || values.length != Shapes.numel(shape)) {
                    throw new IllegalArgumentException("the owner must pass one value per element, values="
                        + (values == null ? "null" : values.length) + ", shape=" + Shapes.toString(shape));
                }
                encoded = RingTensor.zeros(shape);
                try {
                    be.encode(values, 0, f, encoded);
                } catch (RuntimeException e) {
                    encoded.close();
                    throw e;
                }
            }
            try {
                return new SecretTensor(share(owner, encoded, shape), f);
            } finally {
                if (encoded != null) {
                    encoded.close();
                }
            }
        }
    }

    @Override
    public SecretTensor inputRing(final int owner, final RingTensor values, final int fracBits, final int... shape) {
        checkParty(owner);
        if (session.partyId() == owner && (values == null || !values.hasShape(shape))) {
            throw new IllegalArgumentException("the owner must pass a tensor of the declared shape, shape="
                + Shapes.toString(shape) + ", values=" + values);
        }
        try (CommStats.Scope ignored = session.stats().operation("input")) {
            return new SecretTensor(share(owner, session.partyId() == owner ? values : null, shape), fracBits);
        }
    }

    /**
     * Additive sharing without communication: every other party's share is drawn from the PRG it shares with the
     * owner; the owner keeps {@code x - sum of those}.
     */
    private RingTensor share(final int owner, final RingTensor x, final int[] shape) {
        final int self = session.partyId();
        final RingTensor mine = RingTensor.zeros(shape);
        if (self != owner) {
            session.pairwisePrg(owner).fill(mine);
            return mine;
        }
        be.copy(x, mine);
        try (RingTensor other = RingTensor.zeros(shape)) {
            for (int peer = 0; peer < session.parties(); peer++) {
                if (peer != owner) {
                    session.pairwisePrg(peer).fill(other);
                    be.sub(mine, other, mine);
                }
            }
        }
        return mine;
    }

    @Override
    public SecretTensor constant(final double[] values, final int... shape) {
        final RingTensor mine = RingTensor.zeros(shape);
        if (values.length != mine.numel()) {
            mine.close();
            throw new IllegalArgumentException("constant needs one value per element, values=" + values.length
                + ", shape=" + Shapes.toString(shape));
        }
        if (session.partyId() == 0) {
            be.encode(values, 0, f, mine);
        }
        return new SecretTensor(mine, f);
    }

    @Override
    public RingTensor open(final SecretTensor x) {
        try (CommStats.Scope ignored = session.stats().operation("open")) {
            return comm.open(x.share());
        }
    }

    @Override
    public double[] reveal(final SecretTensor x) {
        try (RingTensor opened = open(x)) {
            return decode(opened, x.fracBits());
        }
    }

    @Override
    public double[] revealTo(final int party, final SecretTensor x) {
        checkParty(party);
        try (CommStats.Scope ignored = session.stats().operation("open")) {
            final RingTensor opened = comm.openTo(party, x.share());
            if (opened == null) {
                return null;
            }
            try (opened) {
                return decode(opened, x.fracBits());
            }
        }
    }

    private double[] decode(final RingTensor opened, final int fracBits) {
        final double[] out = new double[Math.toIntExact(opened.numel())];
        be.decode(opened, fracBits, out, 0);
        return out;
    }

    // ------------------------------------------------------------------------------------ local linear operations

    @Override
    public SecretTensor add(final SecretTensor a, final SecretTensor b) {
        checkSameScale(a, b, "add");
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(a.shape(), b.shape()));
        be.add(a.share(), b.share(), out);
        return new SecretTensor(out, a.fracBits());
    }

    @Override
    public SecretTensor sub(final SecretTensor a, final SecretTensor b) {
        checkSameScale(a, b, "sub");
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(a.shape(), b.shape()));
        be.sub(a.share(), b.share(), out);
        return new SecretTensor(out, a.fracBits());
    }

    @Override
    public SecretTensor neg(final SecretTensor a) {
        final RingTensor out = a.share().zerosLike();
        be.neg(a.share(), out);
        return new SecretTensor(out, a.fracBits());
    }

    @Override
    public SecretTensor addPublic(final SecretTensor a, final RingTensor p) {
        final RingTensor out = RingTensor.zeros(Shapes.broadcast(a.shape(), p.shape()));
        if (session.partyId() == 0) {
            be.add(a.share(), p, out);
        } else {
            // Broadcast the share to the output shape: adding a zero public tensor does exactly that.
            try (RingTensor zero = p.zerosLike()) {
                be.add(a.share(), zero, out);
            }
        }
        return new SecretTensor(out, a.fracBits());
    }

    @Override
    public SecretTensor mulPublic(final SecretTensor a, final RingTensor p, final int pFracBits) {
        try (CommStats.Scope ignored = session.stats().operation("mulPublic")) {
            final RingTensor out = RingTensor.zeros(Shapes.broadcast(a.shape(), p.shape()));
            be.mul(a.share(), p, out);
            return rescale(out, a.fracBits() + pFracBits);
        }
    }

    @Override
    public SecretTensor matmulPublic(final SecretTensor a, final RingTensor p, final int pFracBits,
                                     final boolean transposeA, final boolean transposeP) {
        try (CommStats.Scope ignored = session.stats().operation("matmulPublic")) {
            final Bilinear op = Bilinear.matmul(a.shape(), p.shape(), transposeA, transposeP);
            final RingTensor out = RingTensor.zeros(op.shapeZ());
            op.apply(be, a.share(), p, out);
            return rescale(out, a.fracBits() + pFracBits);
        }
    }

    @Override
    public SecretTensor mulInteger(final SecretTensor a, final long k) {
        final RingTensor out = a.share().zerosLike();
        be.mulScalar(a.share(), k, out);
        return new SecretTensor(out, a.fracBits());
    }

    @Override
    public SecretTensor sum(final SecretTensor a, final int axis) {
        final int[] shape = a.shape();
        final int ax = axis < 0 ? shape.length + axis : axis;
        if (ax < 0 || ax >= shape.length) {
            throw new IllegalArgumentException("axis out of range, axis=" + axis + ", shape="
                + Shapes.toString(shape));
        }
        final int[] outShape = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != ax) {
                outShape[j++] = shape[i];
            }
        }
        final RingTensor out = RingTensor.zeros(outShape);
        be.sum(a.share(), ax, out);
        return new SecretTensor(out, a.fracBits());
    }

    // ------------------------------------------------------------------------------ Beaver-triple products

    @Override
    public SecretTensor mul(final SecretTensor a, final SecretTensor b) {
        if (!Shapes.equal(a.shape(), b.shape())) {
            throw new IllegalArgumentException("mul needs equal shapes, a=" + Shapes.toString(a.shape()) + ", b="
                + Shapes.toString(b.shape()));
        }
        return bilinear("mul", Bilinear.mul(a.shape()), a, b);
    }

    @Override
    public SecretTensor matmul(final SecretTensor a, final SecretTensor b, final boolean transposeA,
                               final boolean transposeB) {
        return bilinear("matmul", Bilinear.matmul(a.shape(), b.shape(), transposeA, transposeB), a, b);
    }

    @Override
    public SecretTensor conv2d(final SecretTensor input, final SecretTensor weight, final Conv2dSpec spec) {
        return bilinear("conv2d", Bilinear.conv2d(input.shape(), weight.shape(), spec), input, weight);
    }

    @Override
    public SecretTensor conv2dBackwardInput(final SecretTensor gradOut, final SecretTensor weight,
                                            final Conv2dSpec spec, final int... inputShape) {
        return bilinear("conv2dBackwardInput",
            Bilinear.conv2dBackwardInput(gradOut.shape(), weight.shape(), spec, inputShape), gradOut, weight);
    }

    @Override
    public SecretTensor conv2dBackwardWeight(final SecretTensor input, final SecretTensor gradOut,
                                             final Conv2dSpec spec, final int... weightShape) {
        return bilinear("conv2dBackwardWeight",
            Bilinear.conv2dBackwardWeight(input.shape(), gradOut.shape(), spec, weightShape), input, gradOut);
    }

    private SecretTensor bilinear(final String name, final Bilinear op, final SecretTensor x, final SecretTensor y) {
        try (CommStats.Scope ignored = session.stats().operation(name)) {
            return rescale(beaver.multiply(op, x.share(), y.share()), x.fracBits() + y.fracBits());
        }
    }

    /** A product with {@code fracBits} fractional bits, truncated back to the session's f when it has more. */
    private SecretTensor rescale(final RingTensor product, final int fracBits) {
        if (fracBits <= f) {
            return new SecretTensor(product, fracBits);
        }
        try (product) {
            return new SecretTensor(truncation.truncate(product, fracBits - f), f);
        }
    }

    @Override
    public SecretTensor truncate(final SecretTensor a, final int bits) {
        if (bits < 1 || bits > a.fracBits()) {
            throw new IllegalArgumentException("truncation must drop between 1 and fracBits bits, bits=" + bits
                + ", fracBits=" + a.fracBits());
        }
        try (CommStats.Scope ignored = session.stats().operation("truncate")) {
            return new SecretTensor(truncation.truncate(a.share(), bits), a.fracBits() - bits);
        }
    }

    // ------------------------------------------------------------------------------------------- comparison

    @Override
    public SecretTensor lessThanZero(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("lessThanZero")) {
            return new SecretTensor(comparison.lessThanZero(a.share()), 0);
        }
    }

    @Override
    public SecretTensor relu(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("relu")) {
            return new SecretTensor(comparison.relu(a.share()), a.fracBits());
        }
    }

    @Override
    public SecretTensor reluDerivative(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("reluDerivative")) {
            return new SecretTensor(comparison.nonNegative(a.share()), 0);
        }
    }

    @Override
    public SecretTensor where(final SecretTensor cond, final SecretTensor a, final SecretTensor b) {
        if (cond.fracBits() != 0) {
            throw new IllegalArgumentException("where needs a 0/1 condition with 0 fractional bits, fracBits="
                + cond.fracBits());
        }
        try (CommStats.Scope ignored = session.stats().operation("where");
             SecretTensor diff = sub(a, b);
             SecretTensor picked = mul(cond, diff)) {
            return add(b, picked);
        }
    }

    @Override
    public SecretTensor max(final SecretTensor a, final SecretTensor b) {
        try (CommStats.Scope ignored = session.stats().operation("max")) {
            return Pooling.max(this, a, b);
        }
    }

    @Override
    public MaxPoolResult maxPool2d(final SecretTensor input, final int kH, final int kW, final int strideH,
                                   final int strideW) {
        try (CommStats.Scope ignored = session.stats().operation("maxPool2d")) {
            return Pooling.maxPool2d(this, input, kH, kW, strideH, strideW);
        }
    }

    @Override
    public SecretTensor argmax(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("argmax")) {
            return Pooling.argmax(this, a);
        }
    }

    // -------------------------------------------------------------------------------------- approximations

    @Override
    public SecretTensor exp(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("exp")) {
            return Approximations.exp(this, a);
        }
    }

    @Override
    public SecretTensor reciprocal(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("reciprocal")) {
            return Approximations.reciprocal(this, a);
        }
    }

    @Override
    public SecretTensor softmax(final SecretTensor a) {
        try (CommStats.Scope ignored = session.stats().operation("softmax")) {
            return Approximations.softmax(this, a);
        }
    }

    // ------------------------------------------------------------------------------------------------- checks

    private void checkParty(final int party) {
        if (party < 0 || party >= session.parties()) {
            throw new IllegalArgumentException("no such party, party=" + party + ", parties=" + session.parties());
        }
    }

    private static void checkSameScale(final SecretTensor a, final SecretTensor b, final String op) {
        if (a.fracBits() != b.fracBits()) {
            throw new IllegalArgumentException(op + " needs equal scales, a.fracBits=" + a.fracBits()
                + ", b.fracBits=" + b.fracBits());
        }
    }

    /** The dealer client's prefetching, seen through the suite-independent {@link Preprocessing} interface. */
    private record DealerPreprocessing(DealerClient dealer) implements Preprocessing {
        @Override
        public void startRecording() {
            dealer.startRecording();
        }

        @Override
        public Plan stopRecording() {
            return new RecordedPlan(dealer.stopRecording());
        }

        @Override
        public void prefetch(final Plan plan) {
            if (!(plan instanceof RecordedPlan recorded)) {
                throw new IllegalArgumentException("plan was not recorded by this suite: " + plan);
            }
            dealer.prefetch(recorded.requests());
        }

        @Override
        public int pending() {
            return dealer.prefetchedCount();
        }
    }

    private record RecordedPlan(List<Correlation<?>> requests) implements Preprocessing.Plan {
        @Override
        public int size() {
            return requests.size();
        }
    }
}
