package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.Loss;
import dev.obscura.nn.loss.MeanSquaredError;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The model, the optimiser and training on a synthetic problem. */
class TrainingTest {
    private final PlainEngine engine = new PlainEngine();

    @Test
    void shouldComputeTheMeanCrossEntropyOfOpenedLogitsAndRejectBadInput() {
        // Row 0: logits (0, ln 3) with label 1: -log(3/4). Row 1: (1000, 0) with label 0, max-shifted: about 0.
        final double[] logits = {0, Math.log(3), 1000, 0};
        assertEquals((Math.log(4.0 / 3) + Math.exp(-1000)) / 2, SoftmaxCrossEntropy.meanLoss(logits,
            new int[] {1, 0}, 2), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.meanLoss(logits, new int[] {1}, 2));
        assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.meanLoss(logits, new int[] {1, 2},
            2));
    }

    @Test
    void shouldBuildMnistCnnWithLogitsOfShapeNBy10() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 1);
        int count = 0;
        for (final Variable<PlainTensor> p : model.parameters()) {
            count += p.value().numel();
        }
        assertEquals(33_542, count);
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final Variable<PlainTensor> out = model.forward(tape.input(PlainTensor.zeros(3, 1, 28, 28)));
            assertArrayEquals(new int[] {3, 10}, out.value().shape());
        }
    }

    @Test
    void shouldInitialiseReproduciblyWithinPyTorchsBounds() {
        final List<Variable<PlainTensor>> a = MnistCnn.create(engine, 5).parameters();
        final List<Variable<PlainTensor>> b = MnistCnn.create(engine, 5).parameters();
        final int[] fanIns = {25, 25, 400, 400, 256, 256, 100, 100};
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).value().data(), b.get(i).value().data());
            final double bound = 1 / Math.sqrt(fanIns[i]);
            double max = 0;
            for (final float v : a.get(i).value().data()) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound && max > 0.8 * bound, a.get(i) + " max=" + max + ", bound=" + bound);
        }
    }

    @Test
    void shouldUpdateLikePyTorchSgdWithMomentumAndWeightDecay() {
        final Variable<PlainTensor> w = Variable.parameter("w", new PlainTensor(new float[] {1f, -2f}, 1, 2));
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, List.of(w), 0.1f, 0.9f, 0.01f);
        final float[][] grads = {{0.5f, 1f}, {-1f, 0.25f}, {0f, 0f}};
        // Reference: d = g + wd*w; v = d (first step) or m*v + d; w -= lr*v, in double.
        final double[] ref = {1, -2};
        final double[] v = new double[2];
        for (int step = 0; step < grads.length; step++) {
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                // A graph whose gradient for w is exactly grads[step]: L = sum(x * w) with x = grads[step].
                final Variable<PlainTensor> x = tape.input(new PlainTensor(grads[step].clone(), 1, 2));
                final Variable<PlainTensor> y = Functional.linear(x, w, null);
                tape.backward(y, new PlainTensor(new float[] {1f}, 1, 1));
            }
            sgd.step();
            assertNull(w.grad(), "step consumes the gradient");
            for (int i = 0; i < 2; i++) {
                final double d = grads[step][i] + 0.01 * ref[i];
                v[i] = step == 0 ? d : 0.9 * v[i] + d;
                ref[i] -= 0.1 * v[i];
                assertEquals(ref[i], w.value().data()[i], 1e-6, "step " + step + ", i " + i);
            }
        }
    }

    @Test
    void shouldReduceTheLossOnASyntheticProblem() {
        // Two interleaved classes in the plane: the label is 1 when x0 * x1 > 0 (needs the hidden layer).
        final SplittableRandom random = new SplittableRandom(11);
        final int n = 64;
        final float[] points = new float[n * 2];
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            points[2 * i] = (float) (2 * random.nextDouble() - 1);
            points[2 * i + 1] = (float) (2 * random.nextDouble() - 1);
            labels[i] = points[2 * i] * points[2 * i + 1] > 0 ? 1 : 0;
        }
        final Sequential<PlainTensor> model = Sequential.of(new Linear<>(engine, 2, 16, random), new ReLU<>(),
            new Linear<>(engine, 16, 2, random));
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.2f, 0.9f, 1e-4f);
        final PlainTensor input = new PlainTensor(points, n, 2);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 200; step++) {
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final Loss<PlainTensor> loss = SoftmaxCrossEntropy.of(model.forward(tape.input(input)), labels);
                last = loss.value();
                if (step == 0) {
                    first = last;
                }
                loss.backward();
                sgd.step();
            }
        }
        assertTrue(last < 0.5 * first, "first=" + first + ", last=" + last);
    }

    @Test
    void shouldReduceMeanSquaredErrorOnALinearProblem() {
        final SplittableRandom random = new SplittableRandom(3);
        final int n = 32;
        final float[] x = new float[n * 3];
        final float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                x[3 * i + j] = (float) (2 * random.nextDouble() - 1);
            }
            y[i] = 2 * x[3 * i] - x[3 * i + 1] + 0.5f * x[3 * i + 2] + 0.25f;
        }
        final Linear<PlainTensor> model = new Linear<>(engine, 3, 1, random);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.1f, 0.5f);
        double last = Double.NaN;
        for (int step = 0; step < 300; step++) {
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final Loss<PlainTensor> loss =
                    MeanSquaredError.of(model.forward(tape.input(new PlainTensor(x, n, 3))), y);
                last = loss.value();
                loss.backward();
                sgd.step();
            }
        }
        assertTrue(last < 1e-6, "loss=" + last);
        assertEquals(2f, model.weight().value().data()[0], 1e-3f);
        assertEquals(0.25f, model.bias().value().data()[0], 1e-3f);
    }
}
