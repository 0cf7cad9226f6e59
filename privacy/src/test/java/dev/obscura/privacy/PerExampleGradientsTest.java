package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.AvgPool2d;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Flatten;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.MaxPool2d;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PerExampleGradientsTest {
    private final PlainEngine engine = new PlainEngine();

    @Test
    void shouldAgreeBetweenLayerwiseAndMicroBatchesOnMnistCnn() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 5);
        assertSameRows(model, randomInputs(6, new int[] {6, 1, 28, 28}, 1), randomLabels(6, 10, 2));
    }

    /** Strided and padded convolutions, average pooling, a nested Sequential and odd sizes. */
    @Test
    void shouldAgreeBetweenLayerwiseAndMicroBatchesOnOddGeometry() {
        final SplittableRandom init = new SplittableRandom(9);
        final Sequential<PlainTensor> inner = Sequential.of(
            new Conv2d<>(engine, 2, 3, 3, 2, Conv2dSpec.of(2, 1), init), new ReLU<>(), new AvgPool2d<>(2));
        final Sequential<PlainTensor> model = Sequential.of(inner, new Conv2d<>(engine, 3, 4, 1, 1, 0, init),
            new Flatten<>(), new Linear<>(engine, 4 * 2 * 3, 7, init), new ReLU<>(), new Linear<>(engine, 7, 3, init));
        assertSameRows(model, randomInputs(5, new int[] {5, 2, 9, 10}, 3), randomLabels(5, 3, 4));
    }

    /** The mean of the per-example rows is the gradient of the batch's mean loss, computed the ordinary way. */
    @Test
    void shouldAverageToTheBatchGradient() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 6);
        final PlainTensor x = randomInputs(4, new int[] {4, 1, 28, 28}, 5);
        final int[] y = randomLabels(4, 10, 6);
        final PerExampleGradients layerwise = new LayerwiseGradients(engine, model, SoftmaxCrossEntropy::of);
        final int p = layerwise.layout().length();
        assertEquals(33_542, p);
        final float[] rows = new float[4 * p];
        layerwise.compute(x, y, rows);
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            SoftmaxCrossEntropy.of(model.forward(tape.input(x)), y).backward();
        }
        int at = 0;
        for (final Variable<PlainTensor> param : model.parameters()) {
            final float[] g = param.grad().data();
            for (int j = 0; j < g.length; j++) {
                double mean = 0;
                for (int e = 0; e < 4; e++) {
                    mean += rows[e * p + at + j] / 4.0;
                }
                assertEquals(g[j], mean, 1e-5 * (1 + Math.abs(g[j])), param.name() + "[" + j + "]");
            }
            param.zeroGrad(engine);
            at += g.length;
        }
    }

    @Test
    void shouldRejectLayersItCannotSplitAndBadBatches() {
        final Module<PlainTensor> custom = new Module<>() {
            private final Variable<PlainTensor> w = Variable.parameter("w", engine.zeros(2));

            @Override
            public Variable<PlainTensor> forward(final Variable<PlainTensor> x) {
                return x;
            }

            @Override
            public List<Variable<PlainTensor>> parameters() {
                return List.of(w);
            }
        };
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new LayerwiseGradients(engine, Sequential.of(custom), SoftmaxCrossEntropy::of));
        assertTrue(e.getMessage().contains("use MicroBatchGradients"), e.getMessage());
        final PerExampleGradients g = new MicroBatchGradients(engine, MnistCnn.create(engine, 1),
            SoftmaxCrossEntropy::of);
        assertThrows(IllegalArgumentException.class, () -> g.compute(randomInputs(2, new int[] {2, 1, 28, 28}, 1),
            new int[3], new float[3 * g.layout().length()]));
        assertThrows(IllegalArgumentException.class, () -> g.compute(randomInputs(2, new int[] {2, 1, 28, 28}, 1),
            new int[2], new float[g.layout().length()]));
    }

    private void assertSameRows(final Sequential<PlainTensor> model, final PlainTensor x, final int[] y) {
        final PerExampleGradients layerwise = new LayerwiseGradients(engine, model, SoftmaxCrossEntropy::of);
        final PerExampleGradients micro = new MicroBatchGradients(engine, model, SoftmaxCrossEntropy::of);
        final int p = layerwise.layout().length();
        assertEquals(p, micro.layout().length());
        final float[] a = new float[y.length * p];
        final float[] b = new float[y.length * p];
        layerwise.compute(x, y, a);
        micro.compute(x, y, b);
        for (final Variable<PlainTensor> param : model.parameters()) {
            assertNull(param.grad(), "no gradient is left on the parameters");
        }
        for (int e = 0; e < y.length; e++) {
            double scale = 0;
            for (int j = 0; j < p; j++) {
                scale = Math.max(scale, Math.abs(b[e * p + j]));
            }
            assertTrue(scale > 0, "a non-zero gradient, example " + e);
            for (int j = 0; j < p; j++) {
                assertEquals(b[e * p + j], a[e * p + j], 1e-5 * scale, "example " + e + ", value " + j);
            }
        }
    }

    private static PlainTensor randomInputs(final int n, final int[] shape, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        int size = 1;
        for (final int d : shape) {
            size *= d;
        }
        final float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new PlainTensor(v, shape);
    }

    private static int[] randomLabels(final int n, final int classes, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(classes);
        }
        return labels;
    }
}
