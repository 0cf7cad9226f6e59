package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.functions.Approximations;
import dev.obscura.mpc.functions.Pooling;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.Objects;
import java.util.Optional;

// Over 450 lines, for a reason: this is the one place where every operation is written and documented (its
// scale, cost, range and checked-mode hook); the Javadoc is half of it, and CheckedOperations holds the hooks' code.
/**
 * The operations on secret-shared tensors that one party runs, SPMD: every party calls the same operations in the
 * same order on its own shares. The result of every operation is a new {@link SecretTensor} that belongs to the
 * innermost open {@link #scope()}, or to the caller when none is open.
 *
 * <p>One class for every protocol suite: it is built over a suite's {@link SecurePrimitives} (input, open, the
 * local linear operations, the product of a bilinear map, truncation, comparison), and everything else is written
 * here once: fixed-point encoding and decoding, the scales of products and their truncation, {@code where}, the
 * maximum, max-pooling and argmax ({@link Pooling}), {@code exp}, the reciprocal and softmax
 * ({@link Approximations}), and the per-operation counters of {@link CommStats}.
 *
 * <h2>Scales</h2>
 * A {@link SecretTensor} carries its fractional bits: 0 for integers and bits, the session's f for fixed-point
 * values. A product of values with {@code fa} and {@code fb} fractional bits is rescaled to
 * {@code f}: when {@code fa + fb} exceeds the session's f, the product is
 * truncated by the excess, so fixed point x fixed point stays fixed point, and a bit (0) x fixed point needs no
 * truncation. Additions need equal scales.
 *
 * <h2>Ranges</h2>
 * Every result is exact in the ring Z_2^64. A value with {@code fb} fractional bits is its ring element, read as a
 * signed 64-bit integer, times {@code 2^-fb}; the table says when a result also equals the real result. Nothing is
 * checked at run time unless checked mode is on (below): a result outside its range is wrong without an error (at
 * f = 16, {@code mul} of 1e5 by 1e5).
 * <table>
 *   <caption>Range of each result, at the session's f fractional bits</caption>
 *   <tr><th>operations</th><th>exact while</th></tr>
 *   <tr><td>{@link #input}, {@link #constant}</td><td>every value is below {@code 2^(62-f)} in magnitude
 *       ({@link dev.obscura.ring.FixedPoint#maxMagnitude()}, about 7.0e13 at f = 16); the owner refuses any
 *       other</td></tr>
 *   <tr><td>{@link #inputRing}, {@link #open}, {@link #reveal}, {@link #revealTo}</td><td>always</td></tr>
 *   <tr><td>{@link #add}, {@link #sub}, {@link #neg}, {@link #addPublic}, {@link #mulInteger}, {@link #sum},
 *       and products with an integer or bit operand (no truncation)</td><td>the result is below {@code 2^(62-f)}
 *       in magnitude (a ring element below 2^62), the range that every value keeps for a later truncation to be
 *       exact; partial sums may wrap, only the result counts</td></tr>
 *   <tr><td>truncated products: {@link #mul}, {@link #matmul}, {@link #conv2d}, {@link #conv2dBackwardInput},
 *       {@link #conv2dBackwardWeight}, {@link #mulPublic}, {@link #matmulPublic}</td><td>each product, and each
 *       sum of products of a matrix product or convolution, is below {@code 2^(62-fa-fb)} in magnitude, so that
 *       the untruncated ring element is below 2^62: {@code 2^(62-2f)} for fixed point x fixed point
 *       ({@link dev.obscura.ring.FixedPoint#maxProductMagnitude()}, about 1.07e9 at f = 16); the result is then
 *       within 1 ulp, and beyond it the truncation can destroy it</td></tr>
 *   <tr><td>{@link #truncate}</td><td>the input's ring element is below 2^62 in magnitude (1 ulp)</td></tr>
 *   <tr><td>{@link #lessThanZero}, {@link #reluDerivative}, {@link #relu}, {@link #where}</td><td>always: exact
 *       for every ring value</td></tr>
 *   <tr><td>{@link #max}, {@link #maxPool2d}, {@link #argmax}</td><td>the differences of the values compared
 *       are below 2^63 as ring elements, which every pair of values in range satisfies</td></tr>
 *   <tr><td>{@link #exp}, {@link #reciprocal}, {@link #softmax} (f from 8 to 24)</td><td>within the error bounds
 *       of {@link Approximations} on their domains, at f = 16: {@code [-11.09, 11.09)} for exp (0 below, 2^16
 *       above), {@code [2^-16, 2^16)} for the reciprocal (clamped outside), every input below 2^44 in magnitude
 *       for softmax</td></tr>
 * </table>
 *
 * <h2>Checked mode</h2>
 * Built with an {@link OperationCheck} ({@code LocalParties.builder().checked(true)} for in-process parties),
 * these operations hand every operation to it with this party's shares, and it compares them with the operation's
 * plaintext twin: the exact integer result of every product, sum of products and local linear operation must stay
 * below 2^62 in magnitude as a ring value (the table above), every truncation's input too, every comparison must
 * equal its twin, and the inputs of {@link #where} (a 0/1 condition), {@link #max}, {@link #maxPool2d},
 * {@link #argmax} (below {@code 2^(62-fb)}), {@link #exp} (below its top, {@code 16 ln 2}), {@link #reciprocal}
 * (its domain) and {@link #softmax} (below {@code 2^(60-f)}) must lie in their domains. The first operation that
 * fails stops every party with one exception naming the operation, the {@link #label()} (the layer, for the
 * {@code nn} engine) and the bound with its fractional bits, never a value. The operations inside a derived
 * function ({@code where}, {@code max}, max-pooling, argmax, exp, the reciprocal, softmax) are not checked one by
 * one: their raw intermediate values are designed to wrap where the result does not depend on them (exp's
 * polynomial of an argument below its domain is multiplied by an exact zero), so the function's domain is checked
 * at its entry instead. Checked mode changes no message, round or byte; it costs a meeting of the parties' threads
 * per checked operation and the twin's arithmetic. Unchecked (the default), the only cost is one field test per
 * operation, and {@link #label(String)} costs a field write.
 *
 * <h2>Lifetimes</h2>
 * A {@link Scope} releases, when it closes, every tensor these operations made while it was the innermost open
 * one, except what the code {@link Scope#keep keeps}:
 * <pre>{@code
 * try (Scope s = ops.scope()) {
 *     SecretTensor d = ops.sub(a, b);
 *     return s.keep(ops.add(b, ops.relu(d)));     // d and the ReLU are released here
 * }
 * }</pre>
 * Without a scope, the caller closes every result, as with any {@link AutoCloseable}.
 *
 * <h2>Errors</h2>
 * Wrong shapes or scales throw {@link IllegalArgumentException} naming them; communication failures throw
 * {@link TransportException}. No message ever contains a share, a mask or a revealed value.
 *
 * <p>Not thread-safe: the operations belong to their party's thread, like its session.
 */
public final class SecureOps {
    private final SecurePrimitives primitives;
    private final Session session;
    private final Backend be;
    private final int f;
    private final Scope.Stack scopes = new Scope.Stack(t -> ((SecretTensor) t).close());
    private final CheckedOperations checks;
    private String label = "";

    /** The operations over {@code primitives}, for their session. */
    public SecureOps(final SecurePrimitives primitives) {
        this(primitives, null);
    }

    /**
     * The operations over {@code primitives}, in checked mode when {@code check} is not {@code null}: every
     * operation is handed to it (see Checked mode).
     */
    public SecureOps(final SecurePrimitives primitives, final OperationCheck check) {
        this.primitives = Objects.requireNonNull(primitives, "primitives");
        this.session = primitives.session();
        this.be = session.backend();
        this.f = session.fixedPoint().fracBits();
        this.checks = new CheckedOperations(check);
    }

    /** Whether these operations run in checked mode. */
    public boolean checked() {
        return checks.enabled();
    }

    /** The session these operations run in. */
    public Session session() {
        return session;
    }

    /** The suite's offline/online separation, if it uses preprocessing. */
    public Optional<Preprocessing> preprocessing() {
        return primitives.preprocessing();
    }

    // ---------------------------------------------------------------------------------------------------- labels

    /** What the program is computing now, as the last {@link #label(String)} set it; empty when nothing is. */
    public String label() {
        return label;
    }

    /**
     * Names what the program computes until the returned label is closed (a layer and its pass: the {@code nn}
     * engine sets {@code "layer 3 (Conv2d), forward"}), for checked mode's reports; closing it restores the previous
     * label. The label is the whole text: a caller that nests composes it from {@link #label()}.
     */
    public Label label(final String text) {
        Objects.requireNonNull(text, "text");
        final String previous = label;
        label = text;
        return () -> label = previous;
    }

    // ------------------------------------------------------------------------------------------------- lifetimes

    /**
     * Opens a scope inside the innermost open one: every secret tensor made by these operations until it closes
     * belongs to it, and is released when it closes unless {@link Scope#keep kept}.
     */
    public Scope scope() {
        return scopes.open();
    }

    /**
     * A secret tensor over {@code share}, a share this party computed locally (re-indexing its shares, say),
     * taking ownership: it belongs to the innermost open scope like every result of these operations.
     */
    public SecretTensor adopt(final RingTensor share, final int fracBits) {
        return scopes.track(new SecretTensor(share, fracBits));
    }

    /** Takes {@code x} out of every open scope (a model parameter, say): the caller owns it. Returns it. */
    public SecretTensor detach(final SecretTensor x) {
        return scopes.detach(x);
    }

    // ------------------------------------------------------------------------------------------------ in and out

    /**
     * Secret-shares a private input. The {@code owner} passes its values (fixed-point encoded with the session's f);
     * every other party passes {@code null} and only the shape.
     *
     * @throws dev.obscura.ring.FixedPointRangeException at the owner, before anything is sent
     */
    public SecretTensor input(final int owner, final double[] values, final int... shape) {
        checkParty(owner);
        try (CommStats.Operation ignored = session.stats().operation("input")) {
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
                return adopt(primitives.input(owner, encoded, shape), f);
            } finally {
                if (encoded != null) {
                    encoded.close();
                }
            }
        }
    }

    /** Secret-shares a private ring tensor with {@code fracBits}; non-owners pass {@code null}. */
    public SecretTensor inputRing(final int owner, final RingTensor values, final int fracBits, final int... shape) {
        checkParty(owner);
        final boolean mine = session.partyId() == owner;
        if (mine && (values == null || !values.hasShape(shape))) {
            throw new IllegalArgumentException("the owner must pass a tensor of the declared shape, shape="
                + Shapes.toString(shape) + ", values=" + values);
        }
        try (CommStats.Operation ignored = session.stats().operation("input")) {
            return adopt(primitives.input(owner, mine ? values : null, shape), fracBits);
        }
    }

    /** A public constant as a secret tensor (the suite's shares of it): no communication. */
    public SecretTensor constant(final double[] values, final int... shape) {
        try (RingTensor encoded = RingTensor.zeros(shape); RingTensor zero = RingTensor.zeros()) {
            if (values.length != encoded.numel()) {
                throw new IllegalArgumentException("constant needs one value per element, values=" + values.length
                    + ", shape=" + Shapes.toString(shape));
            }
            be.encode(values, 0, f, encoded);
            // The shares of 0 (rank 0) plus the public value: the shares of the value, of the value's shape.
            return adopt(primitives.addPublic(zero, encoded), f);
        }
    }

    /** Opens {@code x} to every party: returns the ring value. One round. */
    public RingTensor open(final SecretTensor x) {
        try (CommStats.Operation ignored = session.stats().operation("open")) {
            return primitives.open(x.share());
        }
    }

    /** Opens {@code x} to every party, decoded with its fractional bits. One round. */
    public double[] reveal(final SecretTensor x) {
        try (RingTensor opened = open(x)) {
            return decode(opened, x.fracBits());
        }
    }

    /** Opens {@code x} to {@code party} only: it gets the decoded values, every other party gets {@code null}. */
    public double[] revealTo(final int party, final SecretTensor x) {
        checkParty(party);
        try (CommStats.Operation ignored = session.stats().operation("open")) {
            final RingTensor opened = primitives.openTo(party, x.share());
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

    /** {@code a + b}, broadcasting; equal scales. No communication. */
    public SecretTensor add(final SecretTensor a, final SecretTensor b) {
        checkSameScale(a, b, "add");
        final SecretTensor out = adopt(primitives.add(a.share(), b.share()), a.fracBits());
        return checks.active() ? checks.linear("add", label, RingMap.sum(), out, a.share(), b.share()) : out;
    }

    /** {@code a - b}, broadcasting; equal scales. No communication. */
    public SecretTensor sub(final SecretTensor a, final SecretTensor b) {
        checkSameScale(a, b, "sub");
        final SecretTensor out = adopt(primitives.sub(a.share(), b.share()), a.fracBits());
        return checks.active() ? checks.linear("sub", label, RingMap.difference(), out, a.share(), b.share()) : out;
    }

    /** {@code -a}. No communication. */
    public SecretTensor neg(final SecretTensor a) {
        final SecretTensor out = adopt(primitives.neg(a.share()), a.fracBits());
        return checks.active() ? checks.linear("neg", label, RingMap.negation(), out, a.share(), null) : out;
    }

    /** {@code a + p} for a public ring tensor {@code p} with the same scale as {@code a}, broadcasting. */
    public SecretTensor addPublic(final SecretTensor a, final RingTensor p) {
        final SecretTensor out = adopt(primitives.addPublic(a.share(), p), a.fracBits());
        return checks.active() ? checks.map("addPublic", label, RingMap.sum(), out.fracBits(), out.share(), 0, out,
            a.share(), p, false) : out;
    }

    /**
     * {@code a * p} elementwise for a public ring tensor {@code p} with {@code pFracBits} fractional bits,
     * broadcasting; truncated as a product (see the class comment), exact while every product is below
     * {@code 2^(62-f-pFracBits)} in magnitude. No communication unless it truncates.
     */
    public SecretTensor mulPublic(final SecretTensor a, final RingTensor p, final int pFracBits) {
        try (CommStats.Operation ignored = session.stats().operation("mulPublic")) {
            return rescale("mulPublic", RingMap.product(), primitives.mulPublic(a.share(), p),
                a.fracBits() + pFracBits, a.share(), p, false);
        }
    }

    /** {@code a · p} with a public right-hand side, truncated as a product: as {@link #mulPublic}, per sum. */
    public SecretTensor matmulPublic(final SecretTensor a, final RingTensor p, final int pFracBits,
                                     final boolean transposeA, final boolean transposeP) {
        try (CommStats.Operation ignored = session.stats().operation("matmulPublic")) {
            final RingTensor product = primitives.matmulPublic(a.share(), p, transposeA, transposeP);
            final RingMap map = checks.active()
                ? RingMap.of(Bilinear.matmul(a.shape(), p.shape(), transposeA, transposeP)) : null;
            return rescale("matmulPublic", map, product, a.fracBits() + pFracBits, a.share(), p, false);
        }
    }

    /** {@code a * k} for a public integer {@code k}: local, no truncation. */
    public SecretTensor mulInteger(final SecretTensor a, final long k) {
        final SecretTensor out = adopt(primitives.mulInteger(a.share(), k), a.fracBits());
        if (!checks.active()) {
            return out;
        }
        try (RingTensor factor = RingTensor.of(new long[] {k})) {
            return checks.map("mulInteger", label, RingMap.product(), out.fracBits(), out.share(), 0, out,
                a.share(), factor, false);
        }
    }

    /** Sum over {@code axis} (negative counts from the end), which is removed from the shape. Local. */
    public SecretTensor sum(final SecretTensor a, final int axis) {
        final int[] shape = a.shape();
        final int ax = axis < 0 ? shape.length + axis : axis;
        if (ax < 0 || ax >= shape.length) {
            throw new IllegalArgumentException("axis out of range, axis=" + axis + ", shape="
                + Shapes.toString(shape));
        }
        final SecretTensor out = adopt(primitives.sum(a.share(), ax), a.fracBits());
        return checks.active() ? checks.linear("sum", label, RingMap.sumOver(ax, shape[ax]), out, a.share(), null)
            : out;
    }

    // ------------------------------------------------------------------------------------------------- products

    /**
     * Elementwise product, same shapes. One round, then a truncation when both are fixed point, exact (1 ulp) while
     * every product is below {@code 2^(62-2f)} in magnitude (see Ranges).
     */
    public SecretTensor mul(final SecretTensor a, final SecretTensor b) {
        if (!Shapes.equal(a.shape(), b.shape())) {
            throw new IllegalArgumentException("mul needs equal shapes, a=" + Shapes.toString(a.shape()) + ", b="
                + Shapes.toString(b.shape()));
        }
        return bilinear("mul", Bilinear.mul(a.shape()), a, b);
    }

    /**
     * Matrix product (optionally transposed, optionally batched, as {@link Backend#matmul}); fixed point, exact while
     * every output element (a sum of products) is below {@code 2^(62-2f)} in magnitude (see Ranges).
     */
    public SecretTensor matmul(final SecretTensor a, final SecretTensor b, final boolean transposeA,
                               final boolean transposeB) {
        return bilinear("matmul", Bilinear.matmul(a.shape(), b.shape(), transposeA, transposeB), a, b);
    }

    /**
     * 2-D convolution of {@code input [N,C,H,W]} with {@code weight [O,C,kH,kW]}; fixed point, exact while every
     * output element is below {@code 2^(62-2f)} in magnitude, as its gradients (see Ranges).
     */
    public SecretTensor conv2d(final SecretTensor input, final SecretTensor weight, final Conv2dSpec spec) {
        return bilinear("conv2d", Bilinear.conv2d(input.shape(), weight.shape(), spec), input, weight);
    }

    /** Gradient of {@link #conv2d} with respect to its input, of shape {@code inputShape}. */
    public SecretTensor conv2dBackwardInput(final SecretTensor gradOut, final SecretTensor weight,
                                            final Conv2dSpec spec, final int... inputShape) {
        return bilinear("conv2dBackwardInput",
            Bilinear.conv2dBackwardInput(gradOut.shape(), weight.shape(), spec, inputShape), gradOut, weight);
    }

    /** Gradient of {@link #conv2d} with respect to its weight, of shape {@code weightShape}. */
    public SecretTensor conv2dBackwardWeight(final SecretTensor input, final SecretTensor gradOut,
                                             final Conv2dSpec spec, final int... weightShape) {
        return bilinear("conv2dBackwardWeight",
            Bilinear.conv2dBackwardWeight(input.shape(), gradOut.shape(), spec, weightShape), input, gradOut);
    }

    private SecretTensor bilinear(final String name, final Bilinear op, final SecretTensor x, final SecretTensor y) {
        try (CommStats.Operation ignored = session.stats().operation(name)) {
            final RingTensor product = primitives.multiply(op, x.share(), y.share());
            return rescale(name, checks.active() ? RingMap.of(op) : null, product, x.fracBits() + y.fracBits(),
                x.share(), y.share(), true);
        }
    }

    /**
     * A product with {@code fracBits} fractional bits, truncated back to the session's f when it has more; in
     * checked mode, checked against {@code map} of {@code x} (shared) and {@code y} (shared or public).
     */
    private SecretTensor rescale(final String name, final RingMap map, final RingTensor product, final int fracBits,
                                 final RingTensor x, final RingTensor y, final boolean yShared) {
        if (fracBits <= f) {
            final SecretTensor out = adopt(product, fracBits);
            return checks.active() ? checks.map(name, label, map, fracBits, product, 0, out, x, y, yShared) : out;
        }
        try (product) {
            final SecretTensor out = adopt(primitives.truncate(product, fracBits - f), f);
            return checks.active() ? checks.map(name, label, map, fracBits, product, fracBits - f, out, x, y,
                yShared) : out;
        }
    }

    /**
     * Exact truncation by {@code bits}: divides by 2^bits, rounding down with an error of at most 1 ulp, with zero
     * failures for every input of magnitude below 2^62. One round. The result has {@code fracBits - bits}
     * fractional bits.
     */
    public SecretTensor truncate(final SecretTensor a, final int bits) {
        if (bits < 1 || bits > a.fracBits()) {
            throw new IllegalArgumentException("truncation must drop between 1 and fracBits bits, bits=" + bits
                + ", fracBits=" + a.fracBits());
        }
        try (CommStats.Operation ignored = session.stats().operation("truncate")) {
            final SecretTensor out = adopt(primitives.truncate(a.share(), bits), a.fracBits() - bits);
            return checks.active() ? checks.truncation("truncate", label, a, bits, out) : out;
        }
    }

    // ------------------------------------------------------------------------------------------- comparison

    /** {@code [a < 0]} as a shared 0/1 integer (0 fractional bits), exact for every ring value. */
    public SecretTensor lessThanZero(final SecretTensor a) {
        try (CommStats.Operation ignored = session.stats().operation("lessThanZero")) {
            final SecretTensor out = adopt(primitives.lessThanZero(a.share()), 0);
            return checks.active() ? checks.comparison("lessThanZero", label, CheckedOperations.SIGN, a, out) : out;
        }
    }

    /** {@code max(a, 0)}, exact. */
    public SecretTensor relu(final SecretTensor a) {
        try (CommStats.Operation ignored = session.stats().operation("relu")) {
            final SecretTensor out = adopt(primitives.relu(a.share()), a.fracBits());
            return checks.active() ? checks.comparison("relu", label, CheckedOperations.RELU, a, out) : out;
        }
    }

    /** {@code [a >= 0]} as a shared 0/1 integer: the derivative of ReLU (taking 1 at 0). */
    public SecretTensor reluDerivative(final SecretTensor a) {
        try (CommStats.Operation ignored = session.stats().operation("reluDerivative")) {
            final SecretTensor out = adopt(primitives.nonNegative(a.share()), 0);
            return checks.active() ? checks.comparison("reluDerivative", label, CheckedOperations.NON_NEGATIVE, a, out)
                : out;
        }
    }

    /** {@code cond ? a : b} elementwise, where {@code cond} is a shared 0/1 integer: {@code b + cond (a - b)}. */
    public SecretTensor where(final SecretTensor cond, final SecretTensor a, final SecretTensor b) {
        if (cond.fracBits() != 0) {
            throw new IllegalArgumentException("where needs a 0/1 condition with 0 fractional bits, fracBits="
                + cond.fracBits());
        }
        if (checks.active()) {
            checks.domain("where", label, cond, 0, 2, "cond in {0, 1}");
        }
        try (CommStats.Operation ignored = session.stats().operation("where");
             CheckedOperations.Nesting n = checks.nested(); Scope s = scope()) {
            return s.keep(add(b, mul(cond, sub(a, b))));
        }
    }

    /** Elementwise maximum ({@link Pooling#max}). */
    public SecretTensor max(final SecretTensor a, final SecretTensor b) {
        checks.inRange("max", label, a);
        checks.inRange("max", label, b);
        try (CommStats.Operation ignored = session.stats().operation("max");
             CheckedOperations.Nesting n = checks.nested()) {
            return Pooling.max(this, a, b);
        }
    }

    /**
     * Max-pooling of {@code input [N,C,H,W]} over {@code kH x kW} windows with the given strides (no padding).
     * Returns the pooled values and the one-hot position of each maximum (for the backward pass);
     * {@link Pooling#maxPool2d}.
     */
    public MaxPoolResult maxPool2d(final SecretTensor input, final int kH, final int kW, final int strideH,
                                   final int strideW) {
        checks.inRange("maxPool2d", label, input);
        try (CommStats.Operation ignored = session.stats().operation("maxPool2d");
             CheckedOperations.Nesting n = checks.nested()) {
            return Pooling.maxPool2d(this, input, kH, kW, strideH, strideW);
        }
    }

    /**
     * One-hot (shared 0/1 integers) position of the maximum along the last axis; the first maximum wins ties
     * ({@link Pooling#argmax}).
     */
    public SecretTensor argmax(final SecretTensor a) {
        checks.inRange("argmax", label, a);
        try (CommStats.Operation ignored = session.stats().operation("argmax");
             CheckedOperations.Nesting n = checks.nested()) {
            return Pooling.argmax(this, a);
        }
    }

    // -------------------------------------------------------------------------------------- approximations

    /** {@code e^a}: {@link Approximations#exp}, with its domain, error bound and behaviour outside it. */
    public SecretTensor exp(final SecretTensor a) {
        if (checks.active() && a.fracBits() == f) {
            // Below the domain exp gives 0, within its error bound; at or above its top it gives 2^16.
            checks.domain("exp", label, a, Long.MIN_VALUE, (long) Math.ceil(Math.scalb(16 * Math.log(2), f)),
                "x < 16 ln 2");
        }
        try (CommStats.Operation ignored = session.stats().operation("exp");
             CheckedOperations.Nesting n = checks.nested()) {
            return Approximations.exp(this, a);
        }
    }

    /** {@code 1 / a} for positive {@code a}: {@link Approximations#reciprocal}, with its domain and bound. */
    public SecretTensor reciprocal(final SecretTensor a) {
        if (checks.active() && a.fracBits() == f) {
            final int d = Math.min(f, 16);
            checks.domain("reciprocal", label, a, 1L << (f - d), 1L << (f + d), "2^-" + d + " <= x < 2^" + d);
        }
        try (CommStats.Operation ignored = session.stats().operation("reciprocal");
             CheckedOperations.Nesting n = checks.nested()) {
            return Approximations.reciprocal(this, a);
        }
    }

    /** Softmax along the last axis: {@link Approximations#softmax}. */
    public SecretTensor softmax(final SecretTensor a) {
        if (checks.active() && a.fracBits() == f) {
            checks.domain("softmax", label, a, -(1L << 60) + 1, 1L << 60, "|x| < 2^" + (60 - f));
        }
        try (CommStats.Operation ignored = session.stats().operation("softmax");
             CheckedOperations.Nesting n = checks.nested()) {
            return Approximations.softmax(this, a);
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

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

    @Override
    public String toString() {
        return "SecureOps[" + session + "]";
    }

    /**
     * Result of {@link #maxPool2d}: pooled values and the one-hot argmax mask {@code [N, C, outH, outW, kH*kW]}.
     * Inside a scope, keep the two tensors, not this record.
     */
    public record MaxPoolResult(SecretTensor values, SecretTensor argmaxMask) implements AutoCloseable {
        @Override
        public void close() {
            values.close();
            argmaxMask.close();
        }
    }
}
