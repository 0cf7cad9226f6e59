package dev.obscura.federated.worker;

import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import java.lang.ref.Reference;

/**
 * A reference to a model a worker holds ({@link Worker#send(Sequential)}): the model goes to the data. Its
 * {@link #forward} runs at the worker and records a graph through the model's parameters, so that
 * {@code backward()} on a loss fills their gradients and {@link #step} updates them there (the seeds' toy federated
 * learning); {@link #fit} trains on a data set the worker holds, {@link #get()} brings the trained model back.
 * Thread-safe.
 */
public final class RemoteModel extends RemoteObject {
    private final ModelSpec spec;

    RemoteModel(final Worker worker, final long id, final ModelSpec spec) {
        super(worker, id);
        this.spec = spec;
    }

    @Override
    String what() {
        return "model";
    }

    /** The model's layers. */
    public ModelSpec spec() {
        return spec;
    }

    /** The model's output for {@code input}, at the worker; it collects gradients through the model's parameters. */
    public RemoteTensor forward(final RemoteTensor input) {
        requireLive();
        requireSameWorker(input, "forward");
        final WireReader r = worker().call(WorkerProtocol.MODEL_FORWARD, w -> w.i64(id()).i64(input.id()));
        final long id = r.i64("id");
        final RemoteTensor out = new RemoteTensor(worker(), id, r.shape("shape", 0), r.bool("requiresGrad"));
        Reference.reachabilityFence(input);
        return out;
    }

    /** One SGD step at the worker, {@code w -= learningRate * grad}, consuming the gradients. */
    public void step(final float learningRate) {
        requireLive();
        worker().call(WorkerProtocol.MODEL_STEP, w -> w.i64(id()).f32(learningRate));
        Reference.reachabilityFence(this);
    }

    /** Forgets the parameters' gradients. */
    public void zeroGrad() {
        requireLive();
        worker().call(WorkerProtocol.MODEL_ZERO_GRAD, w -> w.i64(id()));
        Reference.reachabilityFence(this);
    }

    /**
     * Trains the model at the worker on {@code data} (held by the same worker) as {@code training} says; the update
     * stays at the worker, as a tensor the result refers to. The model keeps its trained weights.
     */
    public TrainingResult fit(final RemoteDataset data, final LocalTraining training) {
        return fit(data, training, worker().timeout());
    }

    /** {@link #fit(RemoteDataset, LocalTraining)}, waiting at most {@code timeout} for the training to end. */
    public TrainingResult fit(final RemoteDataset data, final LocalTraining training,
                              final java.time.Duration timeout) {
        requireLive();
        requireSameWorker(data, "fit");
        final WireReader r = worker().call(WorkerProtocol.MODEL_FIT, w -> w.i64(id()).i64(data.id())
            .i32(training.epochs()).i32(training.batch()).f32(training.learningRate()).f32(training.momentum())
            .f32(training.weightDecay()).i64(training.seed()), timeout);
        final long update = r.i64("update");
        final int length = r.i32("update length");
        final int samples = r.i32("samples");
        final double loss = r.f64("mean loss");
        final int correct = r.i32("correct");
        Reference.reachabilityFence(data);
        return new TrainingResult(new RemoteTensor(worker(), update, new int[] {length}, false), samples, loss,
            correct);
    }

    /** How many images of {@code data} (same worker) the model classifies correctly, {@code [correct, count]}. */
    public int[] evaluate(final RemoteDataset data, final int batch) {
        requireLive();
        requireSameWorker(data, "evaluate");
        final WireReader r = worker().call(WorkerProtocol.MODEL_EVALUATE, w -> w.i64(id()).i64(data.id()).i32(batch));
        final int[] out = {r.i32("correct"), r.i32("count")};
        Reference.reachabilityFence(data);
        return out;
    }

    /** The model's current weights (the worker keeps the model). */
    public ModelData weights() {
        return fetch(false);
    }

    /** Brings the model's weights back; the worker no longer holds the model, and this reference is spent. */
    public ModelData get() {
        final ModelData data = fetch(true);
        left("was fetched with get()");
        return data;
    }

    /** {@link #get()} into {@code local}, a model of the same layers, through {@code engine}. */
    public void getInto(final Sequential<PlainTensor> local, final TensorEngine<PlainTensor> engine) {
        ModelBinding.apply(get(), local, engine);
    }

    private ModelData fetch(final boolean remove) {
        requireLive();
        final WireReader r = worker().call(WorkerProtocol.GET_MODEL, w -> w.i64(id()).bool(remove));
        final byte[] file = r.blob("model file", ModelRequests.MAX_MODEL_BYTES);
        r.end();
        return ModelFile.decode(file, "the model from " + worker().name());
    }

    @Override
    public String toString() {
        return "RemoteModel[" + worker().name() + ":" + id() + ", parameters=" + spec.parameterCount()
            + (isLive() ? "" : ", gone") + "]";
    }
}
