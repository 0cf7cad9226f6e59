package dev.obscura.protocols.nn;

import static dev.obscura.protocols.nn.CloseAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.io.ModelFormatException;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Flatten;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.MaxPool2d;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.protocols.LocalParties;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelFile} across engines, with 2 parties in-process at the default f = 16: a model saved from
 * {@link PlainEngine} loaded into a {@link SecureEngine} (the owner shares the file's weights, the other party applies
 * a {@link ModelBinding#placeholder}), and a model saved from a {@link SecureEngine} (revealed) loaded into a
 * {@link PlainEngine}. The small CNN (Conv2d 1->2 3x3, ReLU, MaxPool2d 2, Flatten, Linear 18->4) on two 8x8 images
 * must give the plaintext logits within {@link #LOGIT_TOLERANCE}, the bound of {@code SecureEngineTest} (fixed-point
 * encoding and one truncation per product, a few ulps of 2^-16); revealed weights are within
 * {@link #WEIGHT_TOLERANCE} (half an ulp of encoding, rounded to float).
 */
final class ModelFileSecureTest {
    private static final double LOGIT_TOLERANCE = 2e-3;
    private static final double WEIGHT_TOLERANCE = 2e-5;
    private static final int PARTIES = 2;
    private static final int OWNER = 0;
    private static final int BATCH = 2;

    @TempDir
    Path dir;

    private static <T> Module<T> model(final TensorEngine<T> e, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        return Sequential.of(new Conv2d<>(e, 1, 2, 3, 1, 0, random), new ReLU<>(), new MaxPool2d<>(2),
            new Flatten<>(), new Linear<>(e, 2 * 3 * 3, 4, random));
    }

    private static float[] images() {
        final SplittableRandom random = new SplittableRandom(7);
        final float[] x = new float[BATCH * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextDouble() - 1);
        }
        return x;
    }

    private static <T> float[] logits(final TensorEngine<T> e, final Module<T> net) {
        final T input = e.fromFloats(images(), BATCH, 1, 8, 8);
        try (Tape<T> tape = new Tape<>(e)) {
            return e.toFloats(net.forward(tape.input(input)).value());
        } finally {
            e.release(input);
        }
    }

    private static <T> void release(final TensorEngine<T> e, final Module<T> net) {
        for (final Variable<T> p : net.parameters()) {
            e.release(p.value());
        }
    }

    @Test
    void shouldRunAPlaintextTrainedModelSecretShared() {
        final PlainEngine plain = new PlainEngine();
        final Module<PlainTensor> trained = model(plain, 1);
        final float[] expected = logits(plain, trained);
        final Path file = dir.resolve("plain.obm");
        ModelFile.save(trained, plain, file);

        final List<float[]> secure = LocalParties.builder().parties(PARTIES).build().run(ops -> {
            final SecureEngine e = new SecureEngine(ops, OWNER);
            final Module<SecretTensor> net = model(e, 2);
            final ModelData data = ops.session().partyId() == OWNER
                ? ModelFile.read(file) : ModelBinding.placeholder(net, e);
            ModelBinding.apply(data, net, e);
            try {
                return logits(e, net);
            } finally {
                release(e, net);
            }
        });
        assertEquals(PARTIES, secure.size());
        for (int p = 0; p < PARTIES; p++) {
            assertClose(expected, secure.get(p), LOGIT_TOLERANCE, "party " + p + " logits");
        }
    }

    @Test
    void shouldRunASecretSharedModelInPlaintext() {
        final Path file = dir.resolve("secure.obm");
        LocalParties.builder().parties(PARTIES).build().run(ops -> {
            final SecureEngine e = new SecureEngine(ops, OWNER);
            final Module<SecretTensor> net = model(e, 3);
            try {
                final ModelData data = ModelBinding.capture(net, e);
                if (ops.session().partyId() == OWNER) {
                    ModelFile.write(data, file);
                }
                return data.parameters().size();
            } finally {
                release(e, net);
            }
        });

        final PlainEngine plain = new PlainEngine();
        final Module<PlainTensor> original = model(plain, 3);
        final Module<PlainTensor> loaded = model(plain, 4);
        ModelFile.load(file, loaded, plain);
        for (int i = 0; i < original.parameters().size(); i++) {
            assertClose(original.parameters().get(i).value().data(), loaded.parameters().get(i).value().data(),
                WEIGHT_TOLERANCE, "parameter " + i);
        }
        assertClose(logits(plain, original), logits(plain, loaded), LOGIT_TOLERANCE, "logits");
    }

    @Test
    void shouldOpenTheCapturedWeightsToTheOwnerOnly() {
        final List<ModelData> captured = LocalParties.builder().parties(PARTIES).build().run(ops -> {
            final SecureEngine e = new SecureEngine(ops, OWNER);
            final Module<SecretTensor> net = model(e, 8);
            try {
                return ModelBinding.capture(net, e, Reveal.toParty(ops, OWNER));
            } finally {
                release(e, net);
            }
        });
        assertEquals(null, captured.get(1 - OWNER), "the other party learns nothing");
        final PlainEngine plain = new PlainEngine();
        final ModelData expected = ModelBinding.capture(model(plain, 8), plain);
        final ModelData owner = captured.get(OWNER);
        assertEquals(expected.architecture(), owner.architecture());
        for (int i = 0; i < expected.parameters().size(); i++) {
            assertEquals(expected.parameters().get(i).name(), owner.parameters().get(i).name());
            assertClose(expected.parameters().get(i).values(), owner.parameters().get(i).values(), WEIGHT_TOLERANCE,
                "parameter " + i);
        }
    }

    @Test
    void shouldRefuseAWeightOutsideTheFixedPointRangeNamingTheParameterAndChangeNothing() {
        final PlainEngine plain = new PlainEngine();
        final Module<PlainTensor> trained = model(plain, 5);
        // 1e15 * 2^16 exceeds the 2^62 bound of the fixed-point encoding; the plain engine holds it.
        trained.parameters().get(2).value().data()[3] = 1e15f;
        final Path file = dir.resolve("huge.obm");
        ModelFile.save(trained, plain, file);

        final List<String> outcome = LocalParties.builder().parties(PARTIES).build().run(ops -> {
            final SecureEngine e = new SecureEngine(ops, OWNER);
            final Module<SecretTensor> net = model(e, 6);
            final List<SecretTensor> before = net.parameters().stream().map(Variable::value).toList();
            final boolean owner = ops.session().partyId() == OWNER;
            try {
                ModelBinding.apply(owner ? ModelFile.read(file) : ModelBinding.placeholder(net, e), net, e);
                return "applied";
            } catch (final ModelFormatException x) {
                for (int i = 0; i < before.size(); i++) {
                    assertTrue(before.get(i) == net.parameters().get(i).value(), "parameter " + i + " replaced");
                }
                return x.reason() + ": " + x.getMessage();
            } finally {
                release(e, net);
            }
        });
        final String message = outcome.get(OWNER);
        assertTrue(message.startsWith("VALUE_OUT_OF_RANGE: ") && message.contains("parameter=4.linear.weight"),
            message);
        assertTrue(message.contains("range"), message);
    }
}
