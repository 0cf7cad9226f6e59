package dev.obscura.protocols.nn;

import static dev.obscura.protocols.nn.CloseAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.obscura.mpc.SecretTensor;
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
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.protocols.LocalParties;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SecureEngine} against {@link PlainEngine}: the same small CNN (Conv2d 1->2 3x3, ReLU, MaxPool2d 2 or
 * AvgPool2d 2, Flatten, Linear 18->4), built from the same seed on both engines, on a batch of two random 8x8 images,
 * at the default f = 16. Every party's revealed results must agree with the plaintext ones within:
 * <ul>
 *   <li>{@link #FORWARD_TOLERANCE} for the logits (fixed-point encoding of inputs and weights and one truncation
 *       per product: a few ulps, 2^-16 ~ 1.5e-5 each, amplified by the layer fan-ins);</li>
 *   <li>{@link #GRADIENT_TOLERANCE} for the gradients of the softmax cross-entropy (the suite's softmax is within 2
 *       ulps; the rest as the forward pass);</li>
 *   <li>{@link #STEP_TOLERANCE} for the parameters after one SGD step (the gradient error times the learning rate,
 *       plus the encoding of the learning rate and weight decay).</li>
 * </ul>
 * The observed errors are below 6e-5 (about 4 ulps); the tolerances leave a margin of 20 or more so that the test
 * checks the mapping of every operation, not the last ulp, while a missing or doubled truncation, a wrong scale or
 * a misplaced gradient is far outside them.
 */
final class SecureEngineTest {
    private static final double FORWARD_TOLERANCE = 2e-3;
    private static final double GRADIENT_TOLERANCE = 1e-3;
    private static final double STEP_TOLERANCE = 1e-3;
    private static final long MODEL_SEED = 20261123L;
    private static final int BATCH = 2;
    private static final int CLASSES = 4;
    private static final int[] LABELS = {1, 3};
    private static final float LEARNING_RATE = 0.1f;
    private static final float MOMENTUM = 0.9f;
    private static final float WEIGHT_DECAY = 0.01f;

    /**
     * The results of one training step: logits, the gradient of the input images (through
     * {@link TensorEngine#conv2dBackwardInput}), each parameter's gradient, each updated parameter.
     */
    private record Step(float[] logits, float[] inputGrad, List<float[]> grads, List<float[]> updated) {
    }

    private static float[] images() {
        final SplittableRandom random = new SplittableRandom(7);
        final float[] x = new float[BATCH * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextDouble() - 1);
        }
        return x;
    }

    private static <T> Module<T> model(final TensorEngine<T> e, final boolean maxPool) {
        final SplittableRandom random = new SplittableRandom(MODEL_SEED);
        final Conv2d<T> conv = new Conv2d<>(e, 1, 2, 3, 1, 0, random);
        final Linear<T> linear = new Linear<>(e, 2 * 3 * 3, CLASSES, random);
        return Sequential.of(conv, new ReLU<>(), maxPool ? new MaxPool2d<>(2) : new AvgPool2d<>(2), new Flatten<>(),
            linear);
    }

    /** One forward pass, one backward of the cross-entropy, one SGD step; revealed results; everything released. */
    private static <T> Step step(final TensorEngine<T> e, final boolean maxPool, final boolean train) {
        final Module<T> net = model(e, maxPool);
        final T input = e.fromFloats(images(), BATCH, 1, 8, 8);
        final List<float[]> grads = new ArrayList<>();
        final List<float[]> updated = new ArrayList<>();
        final float[] logits;
        float[] inputGrad = null;
        try (Tape<T> tape = new Tape<>(e)) {
            final Variable<T> in = train ? tape.variable(input) : tape.input(input);
            final Variable<T> out = net.forward(in);
            logits = e.toFloats(out.value());
            if (train) {
                final Loss<T> loss = SoftmaxCrossEntropy.of(out, LABELS);
                loss.backward();
                inputGrad = e.toFloats(in.grad());
                for (final Variable<T> p : net.parameters()) {
                    grads.add(e.toFloats(p.grad()));
                }
                final Sgd<T> sgd = new Sgd<>(e, net.parameters(), LEARNING_RATE, MOMENTUM, WEIGHT_DECAY);
                sgd.step();
                for (final Variable<T> p : net.parameters()) {
                    updated.add(e.toFloats(p.value()));
                }
                sgd.releaseState();
            }
        } finally {
            e.release(input);
            for (final Variable<T> p : net.parameters()) {
                p.zeroGrad(e);
                e.release(p.value());
            }
        }
        return new Step(logits, inputGrad, grads, updated);
    }

    private static List<Step> secure(final int parties, final int owner, final boolean maxPool, final boolean train) {
        return LocalParties.builder().parties(parties).checked(true).build()
            .run(ops -> step(new SecureEngine(ops, owner), maxPool, train));
    }

    private static Step plain(final boolean maxPool, final boolean train) {
        final TensorEngine<PlainTensor> e = new PlainEngine();
        return step(e, maxPool, train);
    }

    @Test
    void shouldMatchThePlaintextForwardPassWithTwoParties() {
        final Step expected = plain(true, false);
        final List<Step> got = secure(2, 0, true, false);
        for (int p = 0; p < got.size(); p++) {
            assertClose(expected.logits(), got.get(p).logits(), FORWARD_TOLERANCE, "party " + p + " logits");
        }
    }

    @Test
    void shouldMatchThePlaintextGradientsAndSgdStep() {
        for (final boolean maxPool : new boolean[] {true, false}) {
            final Step expected = plain(maxPool, true);
            final List<Step> got = secure(2, 0, maxPool, true);
            final String pool = maxPool ? "maxPool " : "avgPool ";
            for (int p = 0; p < got.size(); p++) {
                final Step s = got.get(p);
                assertClose(expected.logits(), s.logits(), FORWARD_TOLERANCE, pool + "party " + p + " logits");
                assertClose(expected.inputGrad(), s.inputGrad(), GRADIENT_TOLERANCE,
                    pool + "party " + p + " gradient of the input");
                assertEquals(expected.grads().size(), s.grads().size());
                for (int i = 0; i < expected.grads().size(); i++) {
                    assertClose(expected.grads().get(i), s.grads().get(i), GRADIENT_TOLERANCE,
                        pool + "party " + p + " gradient of parameter " + i);
                    assertClose(expected.updated().get(i), s.updated().get(i), STEP_TOLERANCE,
                        pool + "party " + p + " parameter " + i + " after one SGD step");
                }
            }
        }
    }

    @Test
    void shouldMatchThePlaintextForwardPassWithThreePartiesAndAnotherOwner() {
        final Step expected = plain(true, false);
        final List<Step> got = secure(3, 1, true, false);
        assertEquals(3, got.size());
        for (int p = 0; p < got.size(); p++) {
            assertClose(expected.logits(), got.get(p).logits(), FORWARD_TOLERANCE, "party " + p + " logits");
        }
    }

    @Test
    void shouldKeepMasksAsSharedBitsAndZerosLocal() {
        final List<float[]> out = LocalParties.builder().parties(2).checked(true).build().run(ops -> {
            final SecureEngine e = new SecureEngine(ops, 0);
            // Only the owner's values count: the other party passes zeros of the right length.
            final float[] values = ops.session().partyId() == 0 ? new float[] {-1.5f, 0f, 2.25f, -0.25f}
                : new float[4];
            final SecretTensor x = e.fromFloats(values, 2, 2);
            final var r = e.relu(x);
            final SecretTensor z = e.zeros(2, 2);
            try {
                assertEquals(0, r.mask().fracBits());
                assertEquals(ops.session().fixedPoint().fracBits(), r.values().fracBits());
                final float[] relu = e.toFloats(r.values());
                final float[] mask = e.toFloats(r.mask());
                final float[] zeros = e.toFloats(z);
                final float[] all = new float[12];
                System.arraycopy(relu, 0, all, 0, 4);
                System.arraycopy(mask, 0, all, 4, 4);
                System.arraycopy(zeros, 0, all, 8, 4);
                return all;
            } finally {
                e.release(x);
                e.release(r.values());
                e.release(r.mask());
                e.release(z);
            }
        });
        for (final float[] r : out) {
            assertClose(new float[] {0f, 0f, 2.25f, 0f, 0f, 1f, 1f, 0f, 0f, 0f, 0f, 0f}, r, 0, "relu, mask, zeros");
        }
    }
}
