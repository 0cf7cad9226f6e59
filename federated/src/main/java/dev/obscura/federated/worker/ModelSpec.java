package dev.obscura.federated.worker;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.AvgPool2d;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Flatten;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.MaxPool2d;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * What a sequential network is made of, layer by layer, so that a worker can build the same network from it and
 * then take the weights from a model file: a caller sends a model as its spec and its {@code ModelData}. Built from a
 * model with {@link #of}, or layer by layer with {@link #builder()}. Immutable.
 */
public final class ModelSpec {
    /** The most layers a spec may list. */
    static final int MAX_LAYERS = 256;

    /**
     * One layer.
     *
     * @param kind   the layer's kind
     * @param params its sizes: in and out features ({@link Kind#LINEAR}); in and out channels, kernel height and
     *               width, strides and paddings ({@link Kind#CONV2D}); kernel and stride (the poolings); none
     *               otherwise
     */
    public record Layer(Kind kind, int... params) {
        /** Checks the parameter count. */
        public Layer {
            Objects.requireNonNull(kind, "kind");
            params = params.clone();
            if (params.length != kind.params) {
                throw new IllegalArgumentException(kind + " takes " + kind.params + " parameters, got "
                    + params.length);
            }
            for (final int p : params) {
                if (p < 0 || p > 1 << 20) {
                    throw new IllegalArgumentException("layer parameter out of range, kind=" + kind + ", params="
                        + java.util.Arrays.toString(params));
                }
            }
        }

        /** Its sizes (a copy). */
        @Override
        public int[] params() {
            return params.clone();
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Layer l && l.kind == kind && java.util.Arrays.equals(l.params, params);
        }

        @Override
        public int hashCode() {
            return 31 * kind.hashCode() + java.util.Arrays.hashCode(params);
        }

        @Override
        public String toString() {
            return kind + java.util.Arrays.toString(params);
        }
    }

    /** The kinds of layers, with the number of their sizes. */
    public enum Kind {
        /** {@link Linear}: in, out. */
        LINEAR(2),
        /** {@link Conv2d}: in channels, out channels, kernel H, kernel W, stride H, stride W, padding H, padding W. */
        CONV2D(8),
        /** {@link ReLU}. */
        RELU(0),
        /** {@link MaxPool2d}: kernel, stride. */
        MAX_POOL2D(2),
        /** {@link AvgPool2d}: kernel, stride. */
        AVG_POOL2D(2),
        /** {@link Flatten}. */
        FLATTEN(0);

        private final int params;

        Kind(final int params) {
            this.params = params;
        }
    }

    private final List<Layer> layers;

    private ModelSpec(final List<Layer> layers) {
        if (layers.isEmpty() || layers.size() > MAX_LAYERS) {
            throw new IllegalArgumentException("a model has 1 to " + MAX_LAYERS + " layers, layers=" + layers.size());
        }
        this.layers = List.copyOf(layers);
    }

    /** The spec of {@code model}, a {@link Sequential} of the layers of {@link Kind}. */
    public static ModelSpec of(final Sequential<?> model) {
        final List<Layer> out = new ArrayList<>();
        for (final Module<?> layer : model.layers()) {
            out.add(layerOf(layer));
        }
        return new ModelSpec(out);
    }

    private static Layer layerOf(final Module<?> layer) {
        if (layer instanceof Linear<?> l) {
            final int[] w = shapeOf(l.weight().value());
            return new Layer(Kind.LINEAR, w[1], w[0]);
        }
        if (layer instanceof Conv2d<?> c) {
            final int[] w = shapeOf(c.weight().value());
            final Conv2dSpec s = c.spec();
            return new Layer(Kind.CONV2D, w[1], w[0], w[2], w[3], s.strideH(), s.strideW(), s.padH(), s.padW());
        }
        if (layer instanceof ReLU<?>) {
            return new Layer(Kind.RELU);
        }
        if (layer instanceof MaxPool2d<?> p) {
            return new Layer(Kind.MAX_POOL2D, p.kernel(), p.stride());
        }
        if (layer instanceof AvgPool2d<?> p) {
            return new Layer(Kind.AVG_POOL2D, p.kernel(), p.stride());
        }
        if (layer instanceof Flatten<?>) {
            return new Layer(Kind.FLATTEN);
        }
        throw new IllegalArgumentException("a worker cannot build this layer, layer="
            + layer.getClass().getSimpleName() + " (known: Linear, Conv2d, ReLU, MaxPool2d, AvgPool2d, Flatten)");
    }

    private static int[] shapeOf(final Object tensor) {
        if (tensor instanceof dev.obscura.nn.engine.PlainTensor p) {
            return p.shape();
        }
        if (tensor instanceof dev.obscura.mpc.SecretTensor s) {
            return s.shape();
        }
        throw new IllegalArgumentException("unknown tensor type, type=" + tensor.getClass().getSimpleName());
    }

    /** A spec made layer by layer. */
    public static Builder builder() {
        return new Builder();
    }

    /** The layers, first to last. */
    public List<Layer> layers() {
        return layers;
    }

    /**
     * The network on {@code engine}, initialised from {@code seed} as its layers' constructors do (a worker then
     * replaces the weights).
     */
    public <T> Sequential<T> build(final TensorEngine<T> engine, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<Module<T>> built = new ArrayList<>();
        for (final Layer l : layers) {
            final int[] p = l.params;
            built.add(switch (l.kind) {
                case LINEAR -> new Linear<>(engine, p[0], p[1], random);
                case CONV2D -> new Conv2d<>(engine, p[0], p[1], p[2], p[3], new Conv2dSpec(p[4], p[5], p[6], p[7]),
                    random);
                case RELU -> new ReLU<>();
                case MAX_POOL2D -> new MaxPool2d<>(p[0], p[1]);
                case AVG_POOL2D -> new AvgPool2d<>(p[0], p[1]);
                case FLATTEN -> new Flatten<>();
            });
        }
        return new Sequential<>(built);
    }

    /** Number of trainable values (the length of the flat parameter vector). */
    public long parameterCount() {
        long n = 0;
        for (final Layer l : layers) {
            final int[] p = l.params;
            n += switch (l.kind) {
                case LINEAR -> (long) p[0] * p[1] + p[1];
                case CONV2D -> (long) p[1] * p[0] * p[2] * p[3] + p[1];
                default -> 0;
            };
        }
        return n;
    }

    void write(final WireWriter w) {
        w.u8(layers.size());
        for (final Layer l : layers) {
            w.u8(l.kind.ordinal());
            for (final int p : l.params) {
                w.i32(p);
            }
        }
    }

    static ModelSpec read(final WireReader r) {
        final int n = r.u8("layer count");
        final List<Layer> layers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final int kind = r.u8("layer kind");
            if (kind >= Kind.values().length) {
                throw WireReader.malformed("unknown layer kind, kind=" + kind);
            }
            final Kind k = Kind.values()[kind];
            final int[] p = new int[k.params];
            for (int j = 0; j < p.length; j++) {
                p[j] = r.i32("layer parameter");
            }
            layers.add(new Layer(k, p));
        }
        return new ModelSpec(layers);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof ModelSpec s && s.layers.equals(layers);
    }

    @Override
    public int hashCode() {
        return layers.hashCode();
    }

    @Override
    public String toString() {
        return "ModelSpec" + layers;
    }

    /** Adds layers in order. */
    public static final class Builder {
        private final List<Layer> layers = new ArrayList<>();

        private Builder() {
        }

        /** A fully connected layer from {@code in} to {@code out} features. */
        public Builder linear(final int in, final int out) {
            layers.add(new Layer(Kind.LINEAR, in, out));
            return this;
        }

        /** A {@code kernel x kernel} convolution with one stride and padding. */
        public Builder conv2d(final int in, final int out, final int kernel, final int stride, final int padding) {
            layers.add(new Layer(Kind.CONV2D, in, out, kernel, kernel, stride, stride, padding, padding));
            return this;
        }

        /** ReLU. */
        public Builder relu() {
            layers.add(new Layer(Kind.RELU));
            return this;
        }

        /** Max-pooling over {@code kernel x kernel} windows, stride {@code kernel}. */
        public Builder maxPool2d(final int kernel) {
            layers.add(new Layer(Kind.MAX_POOL2D, kernel, kernel));
            return this;
        }

        /** Average pooling over {@code kernel x kernel} windows, stride {@code kernel}. */
        public Builder avgPool2d(final int kernel) {
            layers.add(new Layer(Kind.AVG_POOL2D, kernel, kernel));
            return this;
        }

        /** Flatten {@code [N, *]} to {@code [N, prod(*)]}. */
        public Builder flatten() {
            layers.add(new Layer(Kind.FLATTEN));
            return this;
        }

        /** The spec. */
        public ModelSpec build() {
            return new ModelSpec(layers);
        }
    }
}
