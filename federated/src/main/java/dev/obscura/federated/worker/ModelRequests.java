package dev.obscura.federated.worker;

import dev.obscura.data.LabelledImages;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.Classifier;
import dev.obscura.nn.train.EpochOrder;
import dev.obscura.nn.train.Trainer;
import dev.obscura.ring.Shapes;
import java.util.TreeSet;

/** A worker's answers to the requests on models and data sets ({@link WorkerProtocol}); on the worker's thread. */
final class ModelRequests {
    /** The largest model file a caller may send, in bytes. */
    static final int MAX_MODEL_BYTES = Integer.MAX_VALUE - 64;
    private static final int MAX_EPOCHS = 10_000;
    private static final int MAX_BATCH = 1 << 16;

    private final WorkerNode node;

    ModelRequests(final WorkerNode node) {
        this.node = node;
    }

    void handle(final int op, final WireReader in, final WireWriter out) {
        final ObjectStore store = node.store;
        switch (op) {
            case WorkerProtocol.PUT_MODEL -> {
                final ModelSpec spec = ModelSpec.read(in);
                final byte[] file = in.blob("model file", MAX_MODEL_BYTES);
                final Sequential<PlainTensor> network = spec.build(node.engine, 0);
                ModelBinding.apply(ModelFile.decode(file, "the model sent to " + node.name), network, node.engine);
                out.i64(store.put(new Held.Model(spec, network)));
            }
            case WorkerProtocol.GET_MODEL -> {
                final long id = in.i64("id");
                final boolean remove = in.bool("remove");
                final Held.Model m = store.get(id, Held.Model.class, "model");
                final byte[] file = ModelFile.encode(ModelBinding.capture(m.network, node.engine));
                if (remove) {
                    store.free(id);
                }
                out.blob(file);
            }
            case WorkerProtocol.MODEL_FORWARD -> {
                final Held.Model m = store.get(in.i64("model"), Held.Model.class, "model");
                final long xId = in.i64("input");
                final Held.Tensor x = store.get(xId, Held.Tensor.class, "tensor");
                final Held.Tensor y = node.graphs.forward(m, x, xId);
                out.i64(store.put(y)).shape(y.shape()).bool(y.requiresGrad());
            }
            case WorkerProtocol.MODEL_STEP -> {
                final long id = in.i64("model");
                final float lr = in.f32("learning rate");
                final Held.Model m = idle(id);
                if (!(lr > 0) || Float.isInfinite(lr)) {
                    throw new IllegalArgumentException("learning rate must be positive, lr=" + lr);
                }
                new Sgd<>(node.engine, m.network.parameters(), lr, 0f).step();
            }
            case WorkerProtocol.MODEL_ZERO_GRAD -> {
                for (final Variable<PlainTensor> p : store.get(in.i64("model"), Held.Model.class, "model")
                    .network.parameters()) {
                    p.zeroGrad(node.engine);
                }
            }
            case WorkerProtocol.MODEL_FIT -> fit(in, out);
            case WorkerProtocol.MODEL_EVALUATE -> {
                final Held.Model m = store.get(in.i64("model"), Held.Model.class, "model");
                final LabelledImages data = store.get(in.i64("dataset"), Held.Dataset.class, "dataset").data;
                final int batch = bounded(in.i32("batch"), MAX_BATCH, "batch");
                final int[] predicted = new Classifier<>(m.network, node.engine, Reveal.toAll(node.engine))
                    .predict(data, batch, BatchListener.NONE);
                int correct = 0;
                for (int i = 0; i < predicted.length; i++) {
                    correct += predicted[i] == data.label(i) ? 1 : 0;
                }
                out.i32(correct).i32(data.count());
            }
            case WorkerProtocol.PUT_DATASET -> {
                final int[] imageShape = in.shape("image shape", 0);
                final int count = in.i32("count");
                final long size = Shapes.numel(imageShape);
                if (imageShape.length < 1 || size < 1 || count < 0 || (long) count * size > Integer.MAX_VALUE - 8) {
                    throw WireReader.malformed("data set shape out of range, count=" + count + ", imageShape="
                        + Shapes.toString(imageShape));
                }
                final float[] images = in.floats(Math.toIntExact(count * size), "images");
                final int[] labels = new int[count];
                for (int i = 0; i < count; i++) {
                    labels[i] = in.i32("label");
                    if (labels[i] < 0 || labels[i] > 0xFFFF) {
                        throw WireReader.malformed("label out of range, index=" + i + ", label=" + labels[i]);
                    }
                }
                out.i64(store.put(new Held.Dataset(LabelledImages.of(images, labels, imageShape))));
            }
            case WorkerProtocol.FIND_DATASET -> {
                final String name = in.string("name");
                final LabelledImages data = node.context.datasets.get(name);
                if (data == null) {
                    throw new IllegalArgumentException("worker " + node.name + " has no data set "
                        + dev.obscura.text.UntrustedText.quote(name) + ", it has " + new TreeSet<>(
                        node.context.datasets.keySet()));
                }
                out.i64(store.put(new Held.Dataset(data))).i32(data.count()).shape(data.imageShape());
            }
            default -> throw new IllegalStateException("not a model request, op=" + op);
        }
    }

    /**
     * Local training, McMahan et al. 2017, Algorithm 1, ClientUpdate: {@code epochs} passes of minibatch SGD over the
     * worker's data set, then the update (the parameters after minus before) kept on the worker as a flat tensor.
     */
    private void fit(final WireReader in, final WireWriter out) {
        final long modelId = in.i64("model");
        final Held.Model m = idle(modelId);
        final LabelledImages data = node.store.get(in.i64("dataset"), Held.Dataset.class, "dataset").data;
        final int epochs = bounded(in.i32("epochs"), MAX_EPOCHS, "epochs");
        final int batch = bounded(in.i32("batch"), MAX_BATCH, "batch");
        final float lr = in.f32("learning rate");
        final float momentum = in.f32("momentum");
        final float weightDecay = in.f32("weight decay");
        final long seed = in.i64("seed");
        if (!(lr > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0) || Float.isInfinite(lr)
            || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("need lr > 0, 0 <= momentum < 1 and weightDecay >= 0, lr=" + lr
                + ", momentum=" + momentum + ", weightDecay=" + weightDecay);
        }
        final float[] before = FlatParameters.of(m.network.parameters());
        final Sgd<PlainTensor> sgd = new Sgd<>(node.engine, m.network.parameters(), lr, momentum, weightDecay);
        final Trainer<PlainTensor> trainer = new Trainer<>(m.network, node.engine, sgd, Reveal.toAll(node.engine));
        final EpochOrder order = new EpochOrder(data.count(), seed);
        Trainer.Epoch last = null;
        try {
            for (int e = 0; e < epochs; e++) {
                last = trainer.epoch(data, order.next(), batch, BatchListener.NONE);
            }
        } finally {
            sgd.releaseState();
            sgd.zeroGrad();
        }
        final float[] delta = FlatParameters.of(m.network.parameters());
        for (int i = 0; i < delta.length; i++) {
            delta[i] -= before[i];
        }
        final long updateId = node.store.put(Held.Tensor.plain(new PlainTensor(delta, delta.length)));
        out.i64(updateId).i32(delta.length).i32(data.count())
            .f64(last == null || data.count() == 0 ? Double.NaN : last.meanLoss())
            .i32(last == null ? 0 : last.correct());
    }

    /** Model {@code id}, refused when the open autograd graph uses its parameters. */
    private Held.Model idle(final long id) {
        final Held.Model m = node.store.get(id, Held.Model.class, "model");
        for (final Variable<PlainTensor> p : m.network.parameters()) {
            node.graphs.requireNotInUse(p, "model " + id);
        }
        return m;
    }

    private static int bounded(final int value, final int max, final String what) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(what + " must be between 1 and " + max + ", " + what + "=" + value);
        }
        return value;
    }
}
