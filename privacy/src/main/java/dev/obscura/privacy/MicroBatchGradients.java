package dev.obscura.privacy;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Module;
import java.util.Objects;

/**
 * Per-example gradients by micro-batches of one example (TensorFlow Privacy's {@code num_microbatches} equal to the
 * batch size): a forward and backward pass of the model on each example alone, whose parameter gradients are that
 * example's row. Correct for every model, with no knowledge of its layers; slower than {@link LayerwiseGradients},
 * since a batch of one cannot use batched matrix products.
 */
public final class MicroBatchGradients implements PerExampleGradients {
    private final PlainEngine engine;
    private final Module<PlainTensor> model;
    private final ExampleLoss loss;
    private final RowLayout layout;

    /** Per-example gradients of {@code model} under {@code loss}, on {@code engine}. */
    public MicroBatchGradients(final PlainEngine engine, final Module<PlainTensor> model, final ExampleLoss loss) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.model = Objects.requireNonNull(model, "model");
        this.loss = Objects.requireNonNull(loss, "loss");
        this.layout = new RowLayout(model.parameters());
    }

    @Override
    public RowLayout layout() {
        return layout;
    }

    @Override
    public void compute(final PlainTensor inputs, final int[] labels, final float[] out) {
        layout.checkBatch(inputs, labels, out);
        final int n = labels.length;
        if (n == 0) {
            return;
        }
        final int[] shape = inputs.shape();
        shape[0] = 1;
        final int exampleSize = inputs.numel() / n;
        final float[] one = new float[exampleSize];
        final int[] label = new int[1];
        for (int e = 0; e < n; e++) {
            System.arraycopy(inputs.data(), e * exampleSize, one, 0, exampleSize);
            label[0] = labels[e];
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                loss.of(model.forward(tape.input(new PlainTensor(one, shape))), label).backward();
            }
            int at = e * layout.length();
            for (final Variable<PlainTensor> p : layout.parameters()) {
                final int size = p.value().numel();
                final PlainTensor g = p.grad();
                if (g == null) {
                    java.util.Arrays.fill(out, at, at + size, 0f);
                } else {
                    System.arraycopy(g.data(), 0, out, at, size);
                }
                p.zeroGrad(engine);
                at += size;
            }
        }
    }
}
