package dev.obscura.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.ring.FixedPoint;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DpSgdTest {
    private final PlainEngine engine = new PlainEngine();

    /**
     * One step moves each parameter by {@code -lr * (clipped sum + noise) / B}, with the clipping, sum and noise
     * recomputed here from their parts and the same seeded randomness: the step adds nothing else and leaves nothing
     * out. Chunks of 2 examples check that chunking does not change the sum.
     */
    @Test
    void shouldStepAlongTheNoisyClippedMean() {
        final Sequential<PlainTensor> model = model(1);
        final PerExampleGradients perExample = new LayerwiseGradients(engine, model, SoftmaxCrossEntropy::of);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.5f, 0f);
        final DpSgd.Settings settings = new DpSgd.Settings(0.3, 1.7, 4, 40, FixedPoint.defaultEncoding(), 2);
        final PlainTensor x = inputs(5, 2);
        final int[] y = {0, 2, 1, 1, 2};
        final int p = perExample.layout().length();

        final float[] rows = new float[5 * p];
        new MicroBatchGradients(engine, model, SoftmaxCrossEntropy::of).compute(x, y, rows);
        final ClippedSum expectedSum = new ClippedSum(p, 0.3, FixedPoint.defaultEncoding());
        for (int e = 0; e < 5; e++) {
            expectedSum.add(rows, e * p);
        }
        try (RandomBits random = Statistics.fixedSeed(70)) {
            GaussianNoise.forSensitivity(1.7, 0.3, FixedPoint.defaultEncoding()).addTo(expectedSum.sum(), random);
        }
        final float[][] expected = new float[model.parameters().size()][];
        int at = 0;
        for (int k = 0; k < expected.length; k++) {
            final float[] before = model.parameters().get(k).value().data();
            expected[k] = new float[before.length];
            for (int j = 0; j < before.length; j++) {
                final float g = (float) (expectedSum.sum()[at + j] * 0x1p-16 / 4);
                expected[k][j] = before[j] - g * 0.5f;
            }
            at += before.length;
        }

        final RdpAccountant accountant = new RdpAccountant();
        try (RandomBits random = Statistics.fixedSeed(70)) {
            final DpSgd dp = new DpSgd(engine, perExample, sgd, settings, random, accountant);
            final DpSgd.Step step = dp.step(x, y);
            assertEquals(5, step.examples());
            assertEquals(expectedSum.clipped(), step.clipped());
        }
        for (int k = 0; k < expected.length; k++) {
            final Variable<PlainTensor> param = model.parameters().get(k);
            assertArrayEquals(expected[k], param.value().data(), 1e-6f, param.name());
            assertNull(param.grad());
        }
        final RdpAccountant reference = new RdpAccountant();
        reference.step(1.7, 0.1);
        assertEquals(reference.epsilon(1e-5), accountant.epsilon(1e-5));
    }

    /**
     * An empty Poisson batch still takes a step of pure noise, of standard deviation {@code sigma C / B} per
     * coordinate of the gradient; measured over the 1,443 parameters of a small model and 3 steps.
     */
    @Test
    void shouldAddNoiseOfStandardDeviationSigmaCOverB() {
        final Sequential<PlainTensor> model = model(2);
        final PerExampleGradients perExample = new LayerwiseGradients(engine, model, SoftmaxCrossEntropy::of);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 1f, 0f);
        final double sigma = 2.5;
        final double clip = 0.8;
        final int batch = 10;
        final RdpAccountant accountant = new RdpAccountant();
        double sumSquares = 0;
        long count = 0;
        try (RandomBits random = Statistics.fixedSeed(71)) {
            final DpSgd dp = new DpSgd(engine, perExample, sgd, new DpSgd.Settings(clip, sigma, batch, 1000), random,
                accountant);
            for (int s = 0; s < 3; s++) {
                final float[][] before = values(model);
                assertEquals(0, dp.step(new PlainTensor(new float[0], 0, 2 * 10), new int[0]).examples());
                final float[][] after = values(model);
                for (int k = 0; k < before.length; k++) {
                    for (int j = 0; j < before[k].length; j++) {
                        final double d = (double) before[k][j] - after[k][j];
                        sumSquares += d * d;
                        count++;
                    }
                }
            }
        }
        final double expected = sigma * clip / batch;
        assertEquals(expected, Math.sqrt(sumSquares / count), 0.05 * expected);
        assertEquals(3, accountant.steps());
    }

    @Test
    void shouldRefuseADivergedStepAndLeaveTheModelUnchanged() {
        final Sequential<PlainTensor> model = model(3);
        final PerExampleGradients perExample = new LayerwiseGradients(engine, model, SoftmaxCrossEntropy::of);
        final RdpAccountant accountant = new RdpAccountant();
        final float[][] before = values(model);
        final PlainTensor x = inputs(2, 3);
        x.data()[0] = Float.NaN;
        try (RandomBits random = Statistics.fixedSeed(72)) {
            final DpSgd dp = new DpSgd(engine, perExample, new Sgd<>(engine, model.parameters(), 0.1f, 0.9f),
                new DpSgd.Settings(1, 1, 2, 10), random, accountant);
            assertThrows(IllegalArgumentException.class, () -> dp.step(x, new int[] {0, 1}));
            assertThrows(IllegalArgumentException.class, () -> dp.step(inputs(3, 4), new int[] {0, 1}));
        }
        final float[][] after = values(model);
        for (int k = 0; k < before.length; k++) {
            assertArrayEquals(before[k], after[k]);
        }
        assertEquals(0, accountant.steps());
        assertThrows(IllegalArgumentException.class, () -> new DpSgd.Settings(1, 0, 2, 10));
        assertThrows(IllegalArgumentException.class, () -> new DpSgd.Settings(-1, 1, 2, 10));
        assertThrows(IllegalArgumentException.class, () -> new DpSgd.Settings(1, 1, 20, 10));
    }

    private Sequential<PlainTensor> model(final long seed) {
        final SplittableRandom init = new SplittableRandom(seed);
        return Sequential.of(new Linear<>(engine, 20, 60, init), new ReLU<>(), new Linear<>(engine, 60, 3, init));
    }

    private static PlainTensor inputs(final int n, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final float[] v = new float[n * 20];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (3 * r.nextGaussian());
        }
        return new PlainTensor(v, n, 20);
    }

    private static float[][] values(final Sequential<PlainTensor> model) {
        final float[][] out = new float[model.parameters().size()][];
        for (int k = 0; k < out.length; k++) {
            out[k] = model.parameters().get(k).value().data().clone();
        }
        return out;
    }
}
