package dev.obscura.nn.engine;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.backend.WindowGeometry;
import dev.obscura.backend.WindowLayout;
import dev.obscura.mpc.Label;
import dev.obscura.mpc.Scope;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.Objects;

/**
 * The secret-shared {@link TensorEngine}: every tensor is this party's additive share ({@link SecretTensor}) and
 * every operation maps onto {@link SecureOps}, so the layers, autograd, losses and optimiser of this package run
 * unchanged under MPC. One engine per party, built from that party's {@link SecureOps}; all parties run the same
 * program SPMD (the same engine calls in the same order).
 *
 * <h2>Who inputs what</h2>
 * {@link #fromFloats} secret-shares its values from ONE party, the {@code owner} given at construction, through
 * {@link SecureOps#input}: the owner's floats are encoded with the session's f and shared; every other party's
 * {@code values} are ignored (only the shape is used; they may be anything of the right length, e.g. the same
 * seeded initialisation, which the other parties never see as the model's value). So model weights, inputs,
 * labels (the one-hot target of {@link SoftmaxCrossEntropy}) and targets are all secret-shared by their owner. A
 * program that needs several data owners uses one engine per owner over the same {@link SecureOps} (they share no
 * state), or shares its inputs with {@link SecureOps#input} itself and wraps them.
 *
 * <h2>Scales</h2>
 * Values carry the session's f fractional bits; masks ({@link #relu}, {@link #maxPool2d}) are shared 0/1 integers
 * with 0 fractional bits, so {@link #mulMask} is one Beaver product without truncation, exact.
 *
 * <h2>What is revealed</h2>
 * Only {@link #toFloats}, which opens its argument to EVERY party (one round); {@link SoftmaxCrossEntropy}'s
 * {@code value()} calls it on the logits. Everything else stays shared.
 *
 * <h2>Cost per operation</h2>
 * Local (no communication): {@link #add}, {@link #sub}, {@link #addChannelBias}, {@link #channelSum},
 * {@link #reshape}, {@link #zeros}, the re-indexing in {@link #maxPool2dBackward}, {@link #avgPool2d} and
 * {@link #avgPool2dBackward} (plus one truncation for their {@code 1/(kH kW)}). One Beaver round plus a truncation:
 * {@link #matmul}, {@link #conv2d} and its backward convolutions; one truncation: {@link #scale}. {@link #relu}: one
 * comparison ({@link SecureOps#reluDerivative}) and one bit-times-value product (exact, no truncation).
 * {@link #maxPool2d}: {@link SecureOps#maxPool2d}. {@link #softmax}: the suite's approximation, with its error bound.
 *
 * <p>Not thread-safe: the engine belongs to its party's thread, like its session.
 */
public final class SecureEngine implements TensorEngine<SecretTensor> {
    private final SecureOps ops;
    private final int owner;
    private final int fracBits;

    /**
     * The engine of the party whose operations are {@code ops}; {@link #fromFloats} shares values from party
     * {@code owner} (the same on every party).
     *
     * @throws IllegalArgumentException when {@code owner} is not a party of the session
     */
    public SecureEngine(final SecureOps ops, final int owner) {
        this.ops = Objects.requireNonNull(ops, "ops");
        final int parties = ops.session().parties();
        if (owner < 0 || owner >= parties) {
            throw new IllegalArgumentException("owner must be a party, owner=" + owner + ", parties=" + parties);
        }
        this.owner = owner;
        this.fracBits = ops.session().fixedPoint().fracBits();
    }

    /** The operations this engine runs on. */
    public SecureOps ops() {
        return ops;
    }

    /** The party whose values {@link #fromFloats} shares. */
    public int owner() {
        return owner;
    }

    // ------------------------------------------------------------------------------------------- in and out

    /**
     * Secret-shares {@code values} from the {@link #owner()} (one input of {@link SecureOps#input}); the other
     * parties' {@code values} are ignored except for their length.
     *
     * @throws dev.obscura.ring.FixedPointRangeException at the owner when a value cannot be encoded
     */
    @Override
    public SecretTensor fromFloats(final float[] values, final int... shape) {
        Objects.requireNonNull(values, "values");
        final long numel = Shapes.numel(shape);
        if (values.length != numel) {
            throw new IllegalArgumentException("fromFloats needs one value per element, values=" + values.length
                + ", shape=" + Shapes.toString(shape));
        }
        double[] mine = null;
        if (ops.session().partyId() == owner) {
            mine = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                mine[i] = values[i];
            }
        }
        return ops.input(owner, mine, shape);
    }

    /** Shares of zero (every party holds 0): no communication. */
    @Override
    public SecretTensor zeros(final int... shape) {
        return ops.adopt(RingTensor.zeros(shape), fracBits);
    }

    /** Reveals {@code t} to EVERY party ({@link SecureOps#reveal}, one round). */
    @Override
    public float[] toFloats(final SecretTensor t) {
        final double[] values = ops.reveal(t);
        final float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    @Override
    public int[] shape(final SecretTensor t) {
        return t.shape();
    }

    @Override
    public SecretTensor reshape(final SecretTensor t, final int... shape) {
        return t.reshape(shape);
    }

    @Override
    public void release(final SecretTensor t) {
        t.close();
    }

    /** A scope of the operations ({@link SecureOps#scope()}): every engine shares its operations' scopes. */
    @Override
    public Scope scope() {
        return ops.scope();
    }

    @Override
    public SecretTensor detach(final SecretTensor t) {
        return ops.detach(t);
    }

    /** The label of the operations ({@link SecureOps#label()}), which checked mode names in its reports. */
    @Override
    public String label() {
        return ops.label();
    }

    /** Sets the label of the operations ({@link SecureOps#label(String)}): a field write. */
    @Override
    public Label label(final String text) {
        return ops.label(text);
    }

    // --------------------------------------------------------------------------------------------- linear

    @Override
    public SecretTensor add(final SecretTensor a, final SecretTensor b) {
        requireSameShape(a, b, "add");
        return ops.add(a, b);
    }

    @Override
    public SecretTensor sub(final SecretTensor a, final SecretTensor b) {
        requireSameShape(a, b, "sub");
        return ops.sub(a, b);
    }

    /** {@code a * c}: {@link SecureOps#mulPublic} by {@code c} encoded with the session's f (one truncation). */
    @Override
    public SecretTensor scale(final SecretTensor a, final float c) {
        try (RingTensor p = RingTensor.zeros(1)) {
            p.set(0, ops.session().fixedPoint().encode(c));
            return ops.mulPublic(a, p, fracBits);
        }
    }

    /** Each party adds its share of the bias, broadcast over the batch and positions: local. */
    @Override
    public SecretTensor addChannelBias(final SecretTensor x, final SecretTensor bias) {
        final int[] s = x.shape();
        if (s.length < 2 || bias.shape().length != 1 || bias.shape()[0] != s[1]) {
            throw new IllegalArgumentException("addChannelBias needs x [N, C, *] and bias [C], x="
                + Shapes.toString(s) + ", bias=" + Shapes.toString(bias.shape()));
        }
        final int[] bShape = new int[s.length - 1];
        java.util.Arrays.fill(bShape, 1);
        bShape[0] = s[1];
        return ops.add(x, bias.reshape(bShape));
    }

    /** Each party sums its own share over the batch and positions: local. */
    @Override
    public SecretTensor channelSum(final SecretTensor x) {
        final int[] s = x.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("channelSum needs [N, C, *], shape=" + Shapes.toString(s));
        }
        final int n = s[0];
        final int channels = s[1];
        final int inner = Math.toIntExact(x.numel() / Math.max(1L, (long) n * channels));
        final RingTensor in = x.share();
        final RingTensor out = RingTensor.zeros(channels);
        final long[] acc = new long[channels];
        long at = 0;
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < channels; c++) {
                long sum = 0;
                for (int e = 0; e < inner; e++, at++) {
                    sum += in.get(at);
                }
                acc[c] += sum;
            }
        }
        out.copyFrom(acc);
        return ops.adopt(out, x.fracBits());
    }

    @Override
    public SecretTensor matmul(final SecretTensor a, final SecretTensor b, final boolean transposeA,
                               final boolean transposeB) {
        if (a.shape().length != 2 || b.shape().length != 2) {
            throw new IllegalArgumentException("matmul needs rank-2 tensors, a=" + Shapes.toString(a.shape())
                + ", b=" + Shapes.toString(b.shape()));
        }
        return ops.matmul(a, b, transposeA, transposeB);
    }

    // ---------------------------------------------------------------------------------------- convolution

    @Override
    public SecretTensor conv2d(final SecretTensor input, final SecretTensor weight, final Conv2dSpec spec) {
        return ops.conv2d(input, weight, spec);
    }

    @Override
    public SecretTensor conv2dBackwardInput(final SecretTensor gradOut, final SecretTensor weight,
                                            final Conv2dSpec spec, final int... inputShape) {
        return ops.conv2dBackwardInput(gradOut, weight, spec, inputShape);
    }

    @Override
    public SecretTensor conv2dBackwardWeight(final SecretTensor input, final SecretTensor gradOut,
                                             final Conv2dSpec spec, final int... weightShape) {
        return ops.conv2dBackwardWeight(input, gradOut, spec, weightShape);
    }

    // ------------------------------------------------------------------------------------- non-linearities

    /**
     * The mask {@code [x >= 0]} from {@link SecureOps#reluDerivative} (one comparison), and the values as
     * {@code x * mask}, one exact bit-times-value product (equal to {@link SecureOps#relu}, at the cost of one
     * multiplication round instead of a second comparison).
     */
    @Override
    public Masked<SecretTensor> relu(final SecretTensor x) {
        final SecretTensor mask = ops.reluDerivative(x);
        try {
            return new Masked<>(ops.mul(x, mask), mask);
        } catch (RuntimeException e) {
            mask.close();
            throw e;
        }
    }

    /** One Beaver product of a value and a shared bit (0 fractional bits): no truncation, exact. */
    @Override
    public SecretTensor mulMask(final SecretTensor a, final SecretTensor mask) {
        requireSameShape(a, mask, "mulMask");
        requireMask(mask, "mulMask");
        return ops.mul(a, mask);
    }

    @Override
    public Masked<SecretTensor> maxPool2d(final SecretTensor x, final int kH, final int kW, final int sH,
                                          final int sW) {
        final SecureOps.MaxPoolResult r = ops.maxPool2d(x, kH, kW, sH, sW);
        return new Masked<>(r.values(), r.argmaxMask());
    }

    /**
     * {@code gradOut} repeated over the window axis times the one-hot mask (one exact bit-times-value product), then
     * each party scatter-adds its own share into the input's shape (local).
     */
    @Override
    public SecretTensor maxPool2dBackward(final SecretTensor gradOut, final SecretTensor mask, final int[] inputShape,
                                          final int kH, final int kW, final int sH, final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("maxPool2dBackward", inputShape, kH, kW, sH, sW);
        g.requireOutputShape("maxPool2dBackward", "gradOut", gradOut.shape(), g.channels());
        final int[] gs = gradOut.shape();
        if (!java.util.Arrays.equals(mask.shape(), WindowLayout.WINDOW_ROWS.shape(g))) {
            throw new IllegalArgumentException("maxPool2dBackward mask must be [N, C, outH, outW, kH*kW], mask="
                + Shapes.toString(mask.shape()) + ", gradOut=" + Shapes.toString(gs));
        }
        requireMask(mask, "maxPool2dBackward");
        final RingTensor repeated = repeat(gradOut.share(), g.windowSize(), mask.shape());
        try (SecretTensor spread = new SecretTensor(repeated, gradOut.fracBits());
             SecretTensor routed = ops.mul(spread, mask)) {
            final RingTensor out = RingTensor.zeros(inputShape);
            backend().windowScatterAdd(routed.share(), g, WindowLayout.WINDOW_ROWS, out);
            return ops.adopt(out, routed.fracBits());
        }
    }

    /** Local window sums of each party's share, then {@link #scale} by {@code 1 / (kH kW)} (one truncation). */
    @Override
    public SecretTensor avgPool2d(final SecretTensor x, final int kH, final int kW, final int sH, final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("avgPool2d", x.shape(), kH, kW, sH, sW);
        final RingTensor sums = RingTensor.zeros(g.outputShape());
        backend().windowGather(x.share(), g, WindowLayout.WINDOW_SUM, sums);
        try (SecretTensor summed = new SecretTensor(sums, x.fracBits())) {
            return scale(summed, 1f / (kH * kW));
        }
    }

    /** {@link #scale} by {@code 1 / (kH kW)} (one truncation), then a local scatter-add over the windows. */
    @Override
    public SecretTensor avgPool2dBackward(final SecretTensor gradOut, final int[] inputShape, final int kH,
                                          final int kW, final int sH, final int sW) {
        final WindowGeometry g = WindowGeometry.pooling("avgPool2dBackward", inputShape, kH, kW, sH, sW);
        g.requireOutputShape("avgPool2dBackward", "gradOut", gradOut.shape(), g.channels());
        try (SecretTensor scaled = scale(gradOut, 1f / (kH * kW))) {
            final RingTensor out = RingTensor.zeros(inputShape);
            backend().windowScatterAdd(scaled.share(), g, WindowLayout.WINDOW_SUM, out);
            return ops.adopt(out, scaled.fracBits());
        }
    }

    /** {@link SecureOps#softmax} along the last axis (the suite's approximation and error bound). */
    @Override
    public SecretTensor softmax(final SecretTensor x) {
        if (x.shape().length != 2) {
            throw new IllegalArgumentException("softmax needs [N, K], shape=" + Shapes.toString(x.shape()));
        }
        return ops.softmax(x);
    }

    // ------------------------------------------------------------------------------------------- helpers

    /**
     * Each element of {@code in} repeated {@code k} times, as a new tensor of {@code shape}: the scatter of one
     * value per window over {@code 1 x k} windows that tile a row ({@link WindowLayout#WINDOW_SUM}).
     */
    private RingTensor repeat(final RingTensor in, final int k, final int[] shape) {
        final RingTensor out = RingTensor.zeros(shape);
        final int n = Math.toIntExact(in.numel());
        if (n > 0) {
            final WindowGeometry row = WindowGeometry.pooling("repeat", new int[] {1, 1, 1, Math.multiplyExact(n, k)},
                1, k, 1, k);
            backend().windowScatterAdd(in.reshape(1, 1, 1, n), row, WindowLayout.WINDOW_SUM,
                out.reshape(1, 1, 1, n * k));
        }
        return out;
    }

    private Backend backend() {
        return ops.session().backend();
    }

    private static void requireSameShape(final SecretTensor a, final SecretTensor b, final String op) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + " needs equal shapes, a=" + Shapes.toString(a.shape())
                + ", b=" + Shapes.toString(b.shape()));
        }
    }

    private static void requireMask(final SecretTensor mask, final String op) {
        if (mask.fracBits() != 0) {
            throw new IllegalArgumentException(op + " needs a 0/1 mask with 0 fractional bits, fracBits="
                + mask.fracBits());
        }
    }
}
