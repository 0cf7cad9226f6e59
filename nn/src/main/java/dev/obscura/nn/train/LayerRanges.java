package dev.obscura.nn.train;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.ring.FixedPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A plaintext model that records the largest magnitude each layer reaches, to tell before a secure run whether
 * that run would compute every layer exactly. In fixed point with {@code f} fractional bits
 * ({@link FixedPoint}) a shared value must stay below {@link FixedPoint#maxMagnitude()} ({@code 2^(62-f)}), and a
 * product layer ({@link Linear}, {@link Conv2d}) forms each output as a sum of products carrying {@code 2f}
 * fractional bits before its truncation, which is exact only below {@link FixedPoint#maxProductMagnitude()}
 * ({@code 2^(62-2f)}, about 1.07e9 at f = 16); past either bound a secure result wraps around the ring without an
 * error. So the sums of products are measured without the bias (added after the truncation), and every layer's
 * output with it.
 *
 * <p>Use it in place of the model ({@code new Classifier<>(ranges, plainEngine, ...)}): {@link #forward} runs the
 * layers of the wrapped {@link Sequential} one by one exactly as its own forward does, so results are unchanged.
 * It reads values in the clear and so takes plaintext tensors only. Layers are named by their index in each
 * enclosing {@link Sequential} ({@code "0"}, {@code "3"}; {@code "1.2"} inside a nested one) and their class; a
 * report names the layer and the bound, never a value.
 *
 * <p>Not thread-safe.
 */
public final class LayerRanges implements Module<PlainTensor> {
    /** The name of the model's input in reports. */
    public static final String INPUT = "input";

    private final Sequential<PlainTensor> model;
    private final Map<String, Range> ranges = new LinkedHashMap<>();

    /** Tracks {@code model}'s layers. */
    public LayerRanges(final Sequential<PlainTensor> model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    @Override
    public Variable<PlainTensor> forward(final Variable<PlainTensor> x) {
        final Range input = range(INPUT, "input", false);
        input.values = maxAbs(x.value(), null, input.values);
        return forward(model, "", x);
    }

    private Variable<PlainTensor> forward(final Sequential<PlainTensor> s, final String prefix,
                                          final Variable<PlainTensor> x) {
        Variable<PlainTensor> h = x;
        final List<Module<PlainTensor>> layers = s.layers();
        for (int i = 0; i < layers.size(); i++) {
            final Module<PlainTensor> layer = layers.get(i);
            if (layer instanceof Sequential<PlainTensor> nested) {
                h = forward(nested, prefix + i + ".", h);
                continue;
            }
            h = layer.forward(h);
            final Variable<PlainTensor> bias = layer instanceof Linear<PlainTensor> linear ? linear.bias()
                : layer instanceof Conv2d<PlainTensor> conv ? conv.bias() : null;
            final Range r = range(prefix + i, layer.getClass().getSimpleName(), bias != null);
            r.values = maxAbs(h.value(), null, r.values);
            if (bias != null) {
                r.products = maxAbs(h.value(), bias.value(), r.products);
            }
        }
        return h;
    }

    @Override
    public List<Variable<PlainTensor>> parameters() {
        return model.parameters();
    }

    /**
     * The layers whose recorded magnitudes leave the range a secure run at {@code fixedPoint} computes exactly, in
     * layer order (the input first); empty when every one stays within it, or before any forward pass. A value
     * that is NaN or infinite counts as out of range.
     */
    public List<OutOfRange> outOfRange(final FixedPoint fixedPoint) {
        Objects.requireNonNull(fixedPoint, "fixedPoint");
        final List<OutOfRange> out = new ArrayList<>();
        for (final Range r : ranges.values()) {
            if (r.product && !(r.products <= fixedPoint.maxProductMagnitude())) {
                out.add(new OutOfRange(r.name, r.kind, true, fixedPoint.fracBits()));
            } else if (!(r.values <= fixedPoint.maxMagnitude())) {
                out.add(new OutOfRange(r.name, r.kind, false, fixedPoint.fracBits()));
            }
        }
        return out;
    }

    /** Forgets every recorded magnitude. */
    public void clear() {
        ranges.clear();
    }

    private Range range(final String name, final String kind, final boolean product) {
        return ranges.computeIfAbsent(name, n -> new Range(n, kind, product));
    }

    /**
     * The larger of {@code max} and the largest {@code |t - bias[c]|} over {@code t [N, C, *]} (without a bias:
     * {@code |t|}); NaN once any element is NaN.
     */
    private static double maxAbs(final PlainTensor t, final PlainTensor bias, final double max) {
        final float[] data = t.data();
        double m = max;
        if (bias == null) {
            for (final float v : data) {
                m = Math.max(m, Math.abs(v));
            }
            return m;
        }
        final float[] b = bias.data();
        final int[] shape = t.shape();
        final int channels = shape[1];
        final int inner = data.length / (shape[0] * channels);
        for (int i = 0; i < data.length; i++) {
            m = Math.max(m, Math.abs((double) data[i] - b[(i / inner) % channels]));
        }
        return m;
    }

    /** The magnitudes recorded for one layer. */
    private static final class Range {
        private final String name;
        private final String kind;
        private final boolean product;
        private double values;
        private double products;

        Range(final String name, final String kind, final boolean product) {
            this.name = name;
            this.kind = kind;
            this.product = product;
        }
    }

    /**
     * A layer that left the secure range: its name, its class, and whether its sums of products (rather than its
     * output) passed the bound.
     *
     * @param layer    the layer's index path ({@code "0"}, {@code "1.2"}) or {@link #INPUT}
     * @param kind     the layer's class ({@code "Conv2d"})
     * @param product  whether the sums of products passed {@code 2^(62-2f)}; else the output passed {@code 2^(62-f)}
     * @param fracBits the fractional bits {@code f} of the check
     */
    public record OutOfRange(String layer, String kind, boolean product, int fracBits) {
        /** One line naming the layer and the bound it passed, never a value. */
        public String describe() {
            final String where = INPUT.equals(layer) ? "the input" : "layer " + layer + " (" + kind + ")";
            return product
                ? where + " forms sums of products of magnitude 2^" + (FixedPoint.RANGE_BITS - 2 * fracBits)
                    + " or more, beyond what a secure product truncates exactly at " + fracBits + " fractional bits"
                : where + " reaches magnitude 2^" + (FixedPoint.RANGE_BITS - fracBits)
                    + " or more, beyond the fixed-point range at " + fracBits + " fractional bits";
        }
    }
}
