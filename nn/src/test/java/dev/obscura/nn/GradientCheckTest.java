package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import dev.obscura.nn.loss.Loss;
import dev.obscura.nn.loss.MeanSquaredError;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Reverse-mode gradients against central finite differences, in plaintext, for every layer, both losses and a
 * small network of all of them.
 *
 * <p>Layers are checked through the scalar {@code L = sum_i out_i * r_i} with a fixed random {@code r} (so the
 * backward pass is seeded with {@code r}), accumulated in double. Each coordinate {@code u} (of the input and of
 * every parameter) is moved to {@code fl(u + h)} and {@code fl(u - h)} and the difference quotient divides by the
 * actual float step, so the only errors are float rounding of the forward pass and the truncation error of the
 * central difference ({@code O(h^2)}, zero for the bilinear layers). Inputs keep clear of the kinks: ReLU inputs
 * have {@code |x| >= 0.1} and max-pool inputs differ by at least 0.05 within a window, both larger than {@code h}.
 *
 * <p>Tolerance: {@code |fd - analytic| <= 1e-2 * max(|fd|, |analytic|) + 1e-3} (relative 1e-2 with an absolute
 * floor of 1e-3 for gradients near zero), with {@code h = 1e-2} for single layers and losses, and {@code h = 1e-3}
 * for the network of every layer (its hidden activations are not kept off the ReLU kink, so a smaller step keeps
 * the central difference on one side of it; float rounding then contributes about {@code 1e-7 |L| / h}).
 */
class GradientCheckTest {
    private static final double H = 1e-2;
    /** The step for the network of every layer, whose hidden ReLU and max-pool inputs are not kept off the kinks. */
    private static final double NETWORK_H = 1e-3;
    private static final double RELATIVE = 1e-2;
    private static final double ABSOLUTE = 1e-3;

    private final PlainEngine engine = new PlainEngine();
    private final SplittableRandom random = new SplittableRandom(2024);

    @Test
    void shouldDifferentiateLinear() {
        final Linear<PlainTensor> layer = new Linear<>(engine, 5, 3, random);
        checkLayer(layer, uniform(4, 5));
    }

    @Test
    void shouldDifferentiateConv2dWithStrideAndPadding() {
        checkLayer(new Conv2d<>(engine, 3, 4, 3, 2, new Conv2dSpec(2, 1, 1, 0), random), uniform(2, 3, 7, 6));
        checkLayer(new Conv2d<>(engine, 2, 3, 3, 2, 1, random), uniform(1, 2, 6, 5));
    }

    @Test
    void shouldDifferentiateReluAwayFromItsKink() {
        final PlainTensor x = uniform(3, 2, 4, 5);
        final float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.copySign(0.1f + Math.abs(d[i]), d[i]);
        }
        checkLayer(new ReLU<>(), x);
    }

    @Test
    void shouldDifferentiateMaxPoolWithDistinctWindowValues() {
        checkLayer(new MaxPool2d<>(2), distinct(2, 3, 6, 7));
        checkLayer(new MaxPool2d<>(3, 2), distinct(1, 2, 7, 8));
    }

    @Test
    void shouldDifferentiateAvgPool() {
        checkLayer(new AvgPool2d<>(2), uniform(2, 3, 6, 7));
        checkLayer(new AvgPool2d<>(3, 2), uniform(1, 2, 7, 8));
    }

    @Test
    void shouldDifferentiateFlatten() {
        checkLayer(new Flatten<>(), uniform(2, 3, 2, 2));
    }

    @Test
    void shouldDifferentiateASmallNetworkOfEveryLayer() {
        final Sequential<PlainTensor> net = Sequential.of(
            new Conv2d<>(engine, 2, 3, 3, 1, 1, random),
            new ReLU<>(),
            new MaxPool2d<>(2),
            new Conv2d<>(engine, 3, 4, 2, 1, 0, random),
            new AvgPool2d<>(2),
            new Flatten<>(),
            new Linear<>(engine, 4 * 1 * 1, 5, random),
            new ReLU<>(),
            new Linear<>(engine, 5, 3, random));
        checkLayer(net, uniform(2, 2, 6, 6), NETWORK_H);
    }

    @Test
    void shouldDifferentiateSoftmaxCrossEntropy() {
        final PlainTensor logits = uniform(4, 5);
        final float[] d = logits.data();
        for (int i = 0; i < d.length; i++) {
            d[i] *= 3f;
        }
        final int[] labels = {0, 4, 2, 2};
        checkLoss(logits, v -> SoftmaxCrossEntropy.of(v, labels));
    }

    @Test
    void shouldDifferentiateMeanSquaredError() {
        final PlainTensor predictions = uniform(3, 4);
        final float[] targets = uniform(3, 4).data();
        checkLoss(predictions, v -> MeanSquaredError.of(v, targets));
    }

    // -------------------------------------------------------------------------------------------- helpers

    /** Checks the gradient of {@code sum(layer(x) * r)} with respect to {@code x} and every parameter. */
    private void checkLayer(final Module<PlainTensor> layer, final PlainTensor x) {
        checkLayer(layer, x, H);
    }

    /** {@link #checkLayer(Module, PlainTensor)} with the finite-difference step {@code h}. */
    private void checkLayer(final Module<PlainTensor> layer, final PlainTensor x, final double h) {
        final float[] r;
        final PlainTensor analyticX;
        final List<PlainTensor> analyticParams = new ArrayList<>();
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final Variable<PlainTensor> in = tape.variable(x);
            final Variable<PlainTensor> out = layer.forward(in);
            r = uniform(out.value().shape()).data();
            tape.backward(out, new PlainTensor(r.clone(), out.value().shape()));
            analyticX = copy(in.grad());
            for (final Variable<PlainTensor> p : layer.parameters()) {
                assertNotNull(p.grad(), "no gradient reached " + p);
                analyticParams.add(copy(p.grad()));
                p.zeroGrad(engine);
            }
        }
        final Function<PlainTensor, Double> objective = ignored -> {
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final float[] out = layer.forward(tape.input(x)).value().data();
                double sum = 0;
                for (int i = 0; i < out.length; i++) {
                    sum += (double) out[i] * r[i];
                }
                return sum;
            }
        };
        compare("input", x, analyticX, objective, h);
        final List<Variable<PlainTensor>> params = layer.parameters();
        for (int i = 0; i < params.size(); i++) {
            compare(params.get(i).name() + "#" + i, params.get(i).value(), analyticParams.get(i), objective, h);
        }
    }

    /** Checks the gradient of a loss with respect to its predictions. */
    private void checkLoss(final PlainTensor predictions,
                           final Function<Variable<PlainTensor>, Loss<PlainTensor>> lossOf) {
        final PlainTensor analytic;
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final Variable<PlainTensor> v = tape.variable(predictions);
            lossOf.apply(v).backward();
            analytic = copy(v.grad());
        }
        compare("predictions", predictions, analytic, ignored -> {
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                return lossOf.apply(tape.input(predictions)).value();
            }
        }, H);
    }

    /** Moves each coordinate of {@code target} (in place, restored) and compares the difference quotient. */
    private static void compare(final String what, final PlainTensor target, final PlainTensor analytic,
                                final Function<PlainTensor, Double> objective, final double h) {
        final float[] d = target.data();
        for (int i = 0; i < d.length; i++) {
            final float saved = d[i];
            final float up = (float) (saved + h);
            final float down = (float) (saved - h);
            d[i] = up;
            final double lUp = objective.apply(target);
            d[i] = down;
            final double lDown = objective.apply(target);
            d[i] = saved;
            final double fd = (lUp - lDown) / ((double) up - (double) down);
            final double an = analytic.data()[i];
            final double bound = RELATIVE * Math.max(Math.abs(fd), Math.abs(an)) + ABSOLUTE;
            assertTrue(Math.abs(fd - an) <= bound,
                what + "[" + i + "]: finite difference " + fd + ", analytic " + an);
        }
    }

    private static PlainTensor copy(final PlainTensor t) {
        assertNotNull(t, "no gradient");
        return new PlainTensor(t.data().clone(), t.shape());
    }

    private PlainTensor uniform(final int... shape) {
        final PlainTensor t = PlainTensor.zeros(shape);
        final float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (2 * random.nextDouble() - 1);
        }
        return t;
    }

    /** A random permutation of {@code 0.05 * (i - n/2)}: every two values differ by at least 0.05. */
    private PlainTensor distinct(final int... shape) {
        final PlainTensor t = PlainTensor.zeros(shape);
        final float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = 0.05f * (i - d.length / 2);
        }
        for (int i = d.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final float tmp = d[i];
            d[i] = d[j];
            d[j] = tmp;
        }
        return t;
    }
}
