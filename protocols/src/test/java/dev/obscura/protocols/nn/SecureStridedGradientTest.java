package dev.obscura.protocols.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
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
import dev.obscura.protocols.LocalParties;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Secure gradients through a strided, padded convolution and both losses: {@link SecureEngine} against
 * {@link PlainEngine} (whose gradients {@code GradientCheckTest} checks against finite differences) on
 * Conv2d 2->3 3x3 stride 2 padding 1, ReLU, MaxPool2d 2 or AvgPool2d 2, Flatten, Linear 12->4, for a batch of two
 * random 9x8 images (non-square, so a swapped H and W shows; the 5x4 convolution output leaves a row the 2x2 pool
 * skips, whose gradient must be 0), with {@link MeanSquaredError} against random targets or
 * {@link SoftmaxCrossEntropy} against random labels, for 2 and 3 parties at the default f = 16.
 *
 * <p>Party 0 secret-shares the weights (every other party builds its model from another seed, which must not
 * count); the last party secret-shares the images, the targets and the labels (the tape's engine is its engine;
 * the others pass zeros). Compared, for every party's revealed values: the network's output, the gradient of the
 * input images (through {@code conv2dBackwardInput} with stride and padding) and the gradient of every parameter.
 *
 * <p>Bound: {@link #TOLERANCE} = 1e-3 for every compared value, {@code SecureEngineTest}'s gradient bound. The
 * errors come from encoding inputs and weights (half an ulp, 2^-17) and one truncation per product (1 ulp,
 * 2^-16 ~ 1.5e-5) summed over fan-ins of at most 40 (the weight gradient of the convolution sums over 2 images x 5 x
 * 4 positions), plus the softmax's 2 ulps: some tens of ulps at most, a few 1e-4. The inputs are drawn so that no
 * ReLU input is within {@link #KINK_MARGIN} of 0 and no max-pool window has a runner-up within it of the maximum
 * ({@link #shouldKeepTheInputsAwayFromTheReluAndMaxPoolKinks}), so no decision can differ between the engines and
 * the bound holds element by element. A missed padding offset, a wrong stride, a dropped truncation or a target
 * taken from the wrong party moves some value by 1e-2 or more.
 */
final class SecureStridedGradientTest {
    private static final double TOLERANCE = 1e-3;
    // ReLU inputs and max-pool runners-up keep this far from a kink: about 60 ulps, 20 times the secure error of a
    // convolution output (encoding plus one truncation, summed over a fan-in of 18: a few ulps), so no ReLU or
    // max-pool decision can differ between the engines.
    private static final double KINK_MARGIN = 1e-3;
    private static final long MODEL_SEED = 20261124L;
    private static final long DATA_SEED = 11L;
    private static final int MODEL_OWNER = 0;
    private static final int BATCH = 2;
    private static final int IN_CHANNELS = 2;
    private static final int CHANNELS = 3;
    private static final int HEIGHT = 9;
    private static final int WIDTH = 8;
    private static final int OUT_HEIGHT = 5;
    private static final int OUT_WIDTH = 4;
    private static final int OUTPUTS = 4;

    private enum Pool { MAX, AVG }

    private enum LossKind { MSE, CROSS_ENTROPY }

    /** Revealed results: the network's output, the gradient of the input, each parameter's gradient. */
    private record Result(float[] output, float[] inputGrad, List<float[]> grads) {
    }

    /** The data owner's inputs: images {@code [2, 2, 9, 8]}, MSE targets {@code [2, 4]}, labels. */
    private record Data(float[] images, float[] targets, int[] labels) {
        static Data draw() {
            final SplittableRandom random = new SplittableRandom(DATA_SEED);
            final float[] images = new float[BATCH * IN_CHANNELS * HEIGHT * WIDTH];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) (2 * random.nextDouble() - 1);
            }
            final float[] targets = new float[BATCH * OUTPUTS];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = (float) (2 * random.nextDouble() - 1);
            }
            final int[] labels = new int[BATCH];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = random.nextInt(OUTPUTS);
            }
            return new Data(images, targets, labels);
        }

        static Data zeros() {
            return new Data(new float[BATCH * IN_CHANNELS * HEIGHT * WIDTH], new float[BATCH * OUTPUTS],
                new int[BATCH]);
        }
    }

    private static <T> Conv2d<T> conv(final TensorEngine<T> e, final SplittableRandom random) {
        return new Conv2d<>(e, IN_CHANNELS, CHANNELS, 3, 2, 1, random);
    }

    private static <T> Module<T> model(final TensorEngine<T> e, final long seed, final Pool pool) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Conv2d<T> conv = conv(e, random);
        final Linear<T> linear = new Linear<>(e, CHANNELS * 2 * 2, OUTPUTS, random);
        return Sequential.of(conv, new ReLU<>(), pool == Pool.MAX ? new MaxPool2d<>(2) : new AvgPool2d<>(2),
            new Flatten<>(), linear);
    }

    /**
     * One forward and backward pass, the same code on every engine: {@code modelEngine} shares the weights,
     * {@code dataEngine} (the tape's) the images and the loss's targets or labels.
     */
    private static <T> Result step(final TensorEngine<T> modelEngine, final TensorEngine<T> dataEngine,
                                   final long modelSeed, final Data data, final Pool pool, final LossKind kind) {
        final Module<T> net = model(modelEngine, modelSeed, pool);
        final T input = dataEngine.fromFloats(data.images(), BATCH, IN_CHANNELS, HEIGHT, WIDTH);
        try (Tape<T> tape = new Tape<>(dataEngine)) {
            final Variable<T> in = tape.variable(input);
            final Variable<T> out = net.forward(in);
            final float[] output = dataEngine.toFloats(out.value());
            final Loss<T> loss = kind == LossKind.MSE ? MeanSquaredError.of(out, data.targets())
                : SoftmaxCrossEntropy.of(out, data.labels());
            loss.backward();
            final float[] inputGrad = dataEngine.toFloats(in.grad());
            final List<float[]> grads = new ArrayList<>();
            for (final Variable<T> p : net.parameters()) {
                grads.add(modelEngine.toFloats(p.grad()));
            }
            return new Result(output, inputGrad, grads);
        } finally {
            dataEngine.release(input);
            for (final Variable<T> p : net.parameters()) {
                p.zeroGrad(modelEngine);
                modelEngine.release(p.value());
            }
        }
    }

    private static Result plain(final Pool pool, final LossKind kind) {
        final PlainEngine e = new PlainEngine();
        return step(e, e, MODEL_SEED, Data.draw(), pool, kind);
    }

    private static List<Result> secure(final int parties, final Pool pool, final LossKind kind) {
        final int dataOwner = parties - 1;
        return LocalParties.builder().parties(parties).checked(true).build().run(ops -> {
            final int me = ops.session().partyId();
            return step(new SecureEngine(ops, MODEL_OWNER), new SecureEngine(ops, dataOwner),
                me == MODEL_OWNER ? MODEL_SEED : MODEL_SEED + me, me == dataOwner ? Data.draw() : Data.zeros(),
                pool, kind);
        });
    }

    @ParameterizedTest(name = "{0} parties, {1} pool, {2}")
    @CsvSource({
        "2, MAX, MSE", "2, AVG, MSE", "3, MAX, MSE", "3, AVG, MSE",
        "2, MAX, CROSS_ENTROPY", "2, AVG, CROSS_ENTROPY", "3, MAX, CROSS_ENTROPY", "3, AVG, CROSS_ENTROPY"})
    void shouldMatchThePlaintextGradientsThroughAStridedPaddedConvolution(final int parties, final Pool pool,
                                                                          final LossKind kind) {
        final Result expected = plain(pool, kind);
        final List<Result> got = secure(parties, pool, kind);
        assertEquals(parties, got.size());
        double worst = 0;
        for (int p = 0; p < parties; p++) {
            final Result r = got.get(p);
            final String who = "party " + p + " ";
            worst = Math.max(worst, assertClose(expected.output(), r.output(), who + "output"));
            worst = Math.max(worst, assertClose(expected.inputGrad(), r.inputGrad(), who + "gradient of the input"));
            assertEquals(expected.grads().size(), r.grads().size());
            for (int i = 0; i < expected.grads().size(); i++) {
                worst = Math.max(worst, assertClose(expected.grads().get(i), r.grads().get(i),
                    who + "gradient of parameter " + i));
            }
        }
        System.out.printf("SecureStridedGradientTest %d parties, %s pool, %s: max error %.3g%n", parties, pool, kind,
            worst);
    }

    @Test
    void shouldHaveGradientsFarAboveTheBound() {
        // A guard that the comparison above is not vacuous: an absolute bound of 1e-3 on gradients of 1e-3 would
        // accept zeros.
        final Result r = plain(Pool.MAX, LossKind.MSE);
        double largest = 0;
        for (final float g : r.inputGrad()) {
            largest = Math.max(largest, Math.abs(g));
        }
        assertTrue(largest > 10 * TOLERANCE, "the input gradient must be far above the bound, largest=" + largest);
        for (final float[] g : r.grads()) {
            double m = 0;
            for (final float v : g) {
                m = Math.max(m, Math.abs(v));
            }
            assertTrue(m > 10 * TOLERANCE, "every parameter gradient must be well above the bound, largest=" + m);
        }
    }

    @Test
    void shouldKeepTheInputsAwayFromTheReluAndMaxPoolKinks() {
        final PlainEngine e = new PlainEngine();
        final Conv2d<PlainTensor> conv = conv(e, new SplittableRandom(MODEL_SEED));
        final float[] pre;
        try (Tape<PlainTensor> tape = new Tape<>(e)) {
            pre = e.toFloats(conv.forward(
                tape.input(e.fromFloats(Data.draw().images(), BATCH, IN_CHANNELS, HEIGHT, WIDTH))).value());
        }
        assertEquals(BATCH * CHANNELS * OUT_HEIGHT * OUT_WIDTH, pre.length);
        double closest = Double.POSITIVE_INFINITY;
        for (final float v : pre) {
            closest = Math.min(closest, Math.abs(v));
        }
        assertTrue(closest >= KINK_MARGIN, "a ReLU input is within " + KINK_MARGIN + " of 0: " + closest);
        for (int plane = 0; plane < BATCH * CHANNELS; plane++) {
            for (int y = 0; y + 2 <= OUT_HEIGHT; y += 2) {
                for (int x = 0; x + 2 <= OUT_WIDTH; x += 2) {
                    final float[] window = new float[4];
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            window[i * 2 + j] = Math.max(0f, pre[(plane * OUT_HEIGHT + y + i) * OUT_WIDTH + x + j]);
                        }
                    }
                    java.util.Arrays.sort(window);
                    // A tie among zeros is harmless: the gradient routed there meets a ReLU mask of 0 either way.
                    assertTrue(window[3] == 0f || window[3] - window[2] >= KINK_MARGIN, "max-pool window of plane "
                        + plane + " at (" + y + ", " + x + ") has a runner-up within " + KINK_MARGIN);
                }
            }
        }
    }

    /** Asserts element-wise closeness within {@link #TOLERANCE}; returns the largest error. */
    private static double assertClose(final float[] expected, final float[] actual, final String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            final double err = Math.abs(expected[i] - actual[i]);
            worst = Math.max(worst, err);
            assertTrue(err <= TOLERANCE, what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]
                + ", error " + err + " > " + TOLERANCE);
        }
        return worst;
    }
}
