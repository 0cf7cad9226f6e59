package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.ring.Shapes;

/**
 * An object a worker holds for its callers: a tensor, a model, a data set, a share of a secure group's tensor or a
 * secret-shared model. Lives on the worker's thread only.
 */
abstract class Held {
    /** The kind in a listing ({@link WorkerProtocol#KIND_TENSOR}, ...). */
    abstract int kind();

    /** The shape shown in a listing (a model's: its parameter count). */
    abstract int[] shape();

    /** Bytes of memory it takes. */
    abstract long bytes();

    /** Whether it collects a gradient. */
    boolean requiresGrad() {
        return false;
    }

    /** Frees what it holds outside the Java heap; called once, when the worker drops it. */
    void release() {
    }

    /**
     * A plaintext tensor: a value that tracks no gradient, a parameter (a leaf that collects one), or a node of an
     * autograd graph ({@link Graphs}).
     */
    static final class Tensor extends Held {
        private PlainTensor value;
        final Variable<PlainTensor> variable;
        final Graphs.Graph graph;

        private Tensor(final PlainTensor value, final Variable<PlainTensor> variable, final Graphs.Graph graph) {
            this.value = value;
            this.variable = variable;
            this.graph = graph;
        }

        /** A value without a gradient. */
        static Tensor plain(final PlainTensor value) {
            return new Tensor(value, null, null);
        }

        /** A leaf that collects a gradient. */
        static Tensor parameter(final PlainTensor value) {
            return new Tensor(null, Variable.parameter("tensor", value), null);
        }

        /** A node of {@code graph}. */
        static Tensor node(final Variable<PlainTensor> node, final Graphs.Graph graph) {
            return new Tensor(null, node, graph);
        }

        PlainTensor value() {
            return variable != null ? variable.value() : value;
        }

        boolean isParameter() {
            return variable != null && graph == null;
        }

        boolean isNode() {
            return graph != null;
        }

        /** Replaces a value that tracks no gradient. */
        void replace(final PlainTensor v) {
            value = v;
        }

        @Override
        int kind() {
            return WorkerProtocol.KIND_TENSOR;
        }

        @Override
        int[] shape() {
            return value().shape();
        }

        @Override
        long bytes() {
            long b = 4L * value().numel();
            if (variable != null && variable.grad() != null) {
                b += 4L * variable.grad().numel();
            }
            return b;
        }

        @Override
        boolean requiresGrad() {
            return variable != null && variable.requiresGrad();
        }
    }

    /**
     * A network built from a spec, of plaintext or shared parameters.
     *
     * @param <T> the parameters' tensor type
     */
    abstract static class Network<T> extends Held {
        final ModelSpec spec;
        final Sequential<T> network;
        private final int elementBytes;

        Network(final ModelSpec spec, final Sequential<T> network, final int elementBytes) {
            this.spec = spec;
            this.network = network;
            this.elementBytes = elementBytes;
        }

        /** Element count of a parameter's value ({@code null}: none). */
        abstract long numel(T tensor);

        @Override
        int[] shape() {
            return new int[] {Math.toIntExact(spec.parameterCount())};
        }

        @Override
        long bytes() {
            long b = 0;
            for (final Variable<T> p : network.parameters()) {
                b += elementBytes * (numel(p.value()) + (p.grad() == null ? 0 : numel(p.grad())));
            }
            return b;
        }
    }

    /** A plaintext model. */
    static final class Model extends Network<PlainTensor> {
        Model(final ModelSpec spec, final Sequential<PlainTensor> network) {
            super(spec, network, Float.BYTES);
        }

        @Override
        long numel(final PlainTensor tensor) {
            return tensor.numel();
        }

        @Override
        int kind() {
            return WorkerProtocol.KIND_MODEL;
        }
    }

    /** Labelled images, sent by a caller or loaded by the worker itself. */
    static final class Dataset extends Held {
        final LabelledImages data;

        Dataset(final LabelledImages data) {
            this.data = data;
        }

        @Override
        int kind() {
            return WorkerProtocol.KIND_DATASET;
        }

        @Override
        int[] shape() {
            final int[] image = data.imageShape();
            final int[] s = new int[image.length + 1];
            s[0] = data.count();
            System.arraycopy(image, 0, s, 1, image.length);
            return s;
        }

        @Override
        long bytes() {
            return 4L * data.count() * (data.imageSize() + 1);
        }
    }

    /** This worker's share of a secure group's tensor. */
    static final class Share extends Held {
        final long group;
        final SecretTensor share;

        Share(final long group, final SecretTensor share) {
            this.group = group;
            this.share = share;
        }

        @Override
        int kind() {
            return WorkerProtocol.KIND_SHARE;
        }

        @Override
        int[] shape() {
            return share.shape();
        }

        @Override
        long bytes() {
            return 8L * share.numel();
        }

        @Override
        void release() {
            share.close();
        }
    }

    /** This worker's shares of a secret-shared model's parameters. */
    static final class SharedModel extends Network<SecretTensor> {
        final long group;

        SharedModel(final long group, final ModelSpec spec, final Sequential<SecretTensor> network) {
            super(spec, network, Long.BYTES);
            this.group = group;
        }

        @Override
        long numel(final SecretTensor tensor) {
            return tensor.numel();
        }

        @Override
        int kind() {
            return WorkerProtocol.KIND_SHARED_MODEL;
        }

        @Override
        void release() {
            for (final Variable<SecretTensor> p : network.parameters()) {
                p.value().close();
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + Shapes.toString(shape());
    }
}
