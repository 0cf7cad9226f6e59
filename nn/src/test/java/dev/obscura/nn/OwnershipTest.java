package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.mpc.Scope;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The release discipline a secure engine relies on (its tensors hold off-heap shares): after a training step
 * closed by its tape, the only live tensors are the parameters and the momentum buffers, and no released tensor is
 * ever used again. Checked with an engine that tracks every tensor it creates.
 */
class OwnershipTest {

    @Test
    void shouldReleaseEverythingButParametersAndMomentumAfterAStep() {
        final TrackingEngine engine = new TrackingEngine();
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 3);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.01f, 0.9f, 1e-4f);
        final int parameters = model.parameters().size();
        assertEquals(parameters, engine.live.size());
        for (int step = 0; step < 3; step++) {
            final PlainTensor images = engine.fromFloats(new float[2 * 28 * 28], 2, 1, 28, 28);
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                SoftmaxCrossEntropy.of(model.forward(tape.input(images)), new int[] {3, 7}).backward();
                sgd.step();
            }
            engine.release(images);
            assertEquals(2 * parameters, engine.live.size(), "parameters and momentum only, step " + step);
        }
        sgd.releaseState();
        assertEquals(parameters, engine.live.size());
    }

    @Test
    void shouldReleaseWhatATapeMadeWithoutAReleaseOfItsOwn() {
        final TrackingEngine engine = new TrackingEngine();
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 5);
        final int parameters = model.parameters().size();
        final PlainTensor images = engine.fromFloats(new float[2 * 28 * 28], 2, 1, 28, 28);
        final PlainTensor inside;
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final PlainTensor logits = model.forward(tape.input(images)).value();
            final PlainTensor probabilities = engine.softmax(logits); // never released by hand
            engine.sub(probabilities, logits);
            inside = engine.zeros(3);
            tape.input(inside); // an input made inside the tape stays its caller's
            assertTrue(engine.live.contains(probabilities));
        }
        assertEquals(parameters + 2, engine.live.size(), "parameters and the two inputs only");
        assertTrue(engine.live.contains(images) && engine.live.contains(inside));
        engine.release(images);
        engine.release(inside);
    }

    @Test
    void shouldKeepParametersAndMomentumWhenTheStepRunsInsideAnOuterScope() {
        final TrackingEngine engine = new TrackingEngine();
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 7);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.01f, 0.9f, 0f);
        final int parameters = model.parameters().size();
        try (Scope outer = engine.scope()) {
            for (int step = 0; step < 2; step++) {
                final PlainTensor images = engine.fromFloats(new float[28 * 28], 1, 1, 28, 28);
                try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                    SoftmaxCrossEntropy.of(model.forward(tape.input(images)), new int[] {4}).backward();
                    sgd.step();
                }
                assertTrue(outer.owns(images), "the input stays in the scope it was made in");
            }
        }
        assertEquals(2 * parameters, engine.live.size(), "the outer scope released the inputs, not the parameters");
        for (final Variable<PlainTensor> p : model.parameters()) {
            assertTrue(engine.live.contains(p.value()), "parameter " + p.name() + " is live");
        }
        sgd.releaseState();
    }

    /**
     * A plain engine that records the tensors it creates, gives them to its scopes as a secure engine does, and
     * fails on any use of a released one.
     */
    private static final class TrackingEngine implements TensorEngine<PlainTensor> {
        final PlainEngine plain = new PlainEngine();
        final Set<PlainTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<PlainTensor> released = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<PlainTensor> views = Collections.newSetFromMap(new IdentityHashMap<>());
        final Scope.Stack scopes = new Scope.Stack(t -> release((PlainTensor) t));

        private PlainTensor made(final PlainTensor t) {
            live.add(t);
            return scopes.track(t);
        }

        @Override
        public Scope scope() {
            return scopes.open();
        }

        @Override
        public PlainTensor detach(final PlainTensor t) {
            return scopes.detach(t);
        }

        private PlainTensor use(final PlainTensor t) {
            assertTrue(!released.contains(t), "use after release: " + t);
            return t;
        }

        private Masked<PlainTensor> made(final Masked<PlainTensor> m) {
            made(m.values());
            made(m.mask());
            return m;
        }

        @Override
        public PlainTensor fromFloats(final float[] values, final int... shape) {
            return made(plain.fromFloats(values, shape));
        }

        @Override
        public PlainTensor zeros(final int... shape) {
            return made(plain.zeros(shape));
        }

        @Override
        public float[] toFloats(final PlainTensor t) {
            return plain.toFloats(use(t));
        }

        @Override
        public int[] shape(final PlainTensor t) {
            return plain.shape(t);
        }

        @Override
        public PlainTensor reshape(final PlainTensor t, final int... shape) {
            final PlainTensor v = plain.reshape(use(t), shape);
            views.add(v);
            return v;
        }

        @Override
        public void release(final PlainTensor t) {
            if (views.contains(t)) {
                return;
            }
            assertTrue(live.contains(t) || released.contains(t), "release of an unknown tensor: " + t);
            if (live.remove(t)) {
                released.add(t);
            }
        }

        @Override
        public PlainTensor add(final PlainTensor a, final PlainTensor b) {
            return made(plain.add(use(a), use(b)));
        }

        @Override
        public PlainTensor sub(final PlainTensor a, final PlainTensor b) {
            return made(plain.sub(use(a), use(b)));
        }

        @Override
        public PlainTensor scale(final PlainTensor a, final float c) {
            return made(plain.scale(use(a), c));
        }

        @Override
        public PlainTensor addChannelBias(final PlainTensor x, final PlainTensor bias) {
            return made(plain.addChannelBias(use(x), use(bias)));
        }

        @Override
        public PlainTensor channelSum(final PlainTensor x) {
            return made(plain.channelSum(use(x)));
        }

        @Override
        public PlainTensor matmul(final PlainTensor a, final PlainTensor b, final boolean ta, final boolean tb) {
            return made(plain.matmul(use(a), use(b), ta, tb));
        }

        @Override
        public PlainTensor conv2d(final PlainTensor input, final PlainTensor weight, final Conv2dSpec spec) {
            return made(plain.conv2d(use(input), use(weight), spec));
        }

        @Override
        public PlainTensor conv2dBackwardInput(final PlainTensor gradOut, final PlainTensor weight,
                                               final Conv2dSpec spec, final int... inputShape) {
            return made(plain.conv2dBackwardInput(use(gradOut), use(weight), spec, inputShape));
        }

        @Override
        public PlainTensor conv2dBackwardWeight(final PlainTensor input, final PlainTensor gradOut,
                                                final Conv2dSpec spec, final int... weightShape) {
            return made(plain.conv2dBackwardWeight(use(input), use(gradOut), spec, weightShape));
        }

        @Override
        public Masked<PlainTensor> relu(final PlainTensor x) {
            return made(plain.relu(use(x)));
        }

        @Override
        public PlainTensor mulMask(final PlainTensor a, final PlainTensor mask) {
            return made(plain.mulMask(use(a), use(mask)));
        }

        @Override
        public Masked<PlainTensor> maxPool2d(final PlainTensor x, final int kH, final int kW, final int sH,
                                             final int sW) {
            return made(plain.maxPool2d(use(x), kH, kW, sH, sW));
        }

        @Override
        public PlainTensor maxPool2dBackward(final PlainTensor gradOut, final PlainTensor mask,
                                             final int[] inputShape, final int kH, final int kW, final int sH,
                                             final int sW) {
            return made(plain.maxPool2dBackward(use(gradOut), use(mask), inputShape, kH, kW, sH, sW));
        }

        @Override
        public PlainTensor avgPool2d(final PlainTensor x, final int kH, final int kW, final int sH, final int sW) {
            return made(plain.avgPool2d(use(x), kH, kW, sH, sW));
        }

        @Override
        public PlainTensor avgPool2dBackward(final PlainTensor gradOut, final int[] inputShape, final int kH,
                                             final int kW, final int sH, final int sW) {
            return made(plain.avgPool2dBackward(use(gradOut), inputShape, kH, kW, sH, sW));
        }

        @Override
        public PlainTensor softmax(final PlainTensor x) {
            return made(plain.softmax(use(x)));
        }
    }
}
