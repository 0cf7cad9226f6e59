package dev.obscura.protocols.nn;

import static dev.obscura.protocols.nn.CloseAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.protocols.CheckedModeException;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.PartyFailureException;
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
 * {@link #WEIGHT_TOLERANCE} (half an ulp of encoding, rounded to float). The secure runs are checked
 * ({@link LocalParties.Builder#checked}), and a {@link MnistCnn} file whose convolution weights were scaled by 1e7,
 * which unchecked gives wrong logits without a word, is refused naming the convolution layer.
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

        final List<float[]> secure = LocalParties.builder().parties(PARTIES).checked(true).build().run(ops -> {
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
        LocalParties.builder().parties(PARTIES).checked(true).build().run(ops -> {
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
        final List<ModelData> captured = LocalParties.builder().parties(PARTIES).checked(true).build().run(ops -> {
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
    void shouldRefuseInCheckedModeAMnistCnnFileWhoseConvolutionWeightsAreScaledBy1e7NamingTheLayer() {
        final PlainEngine plain = new PlainEngine();
        final Sequential<PlainTensor> scaled = MnistCnn.create(plain, 11);
        for (final Module<PlainTensor> layer : scaled.layers()) {
            if (layer instanceof Conv2d<PlainTensor> conv) {
                final float[] w = conv.weight().value().data();
                for (int i = 0; i < w.length; i++) {
                    w[i] *= 1e7f; // every weight still encodes (below 2^46 at f = 16); their products do not fit
                }
            }
        }
        final Path file = dir.resolve("scaled.obm");
        ModelFile.save(scaled, plain, file);
        final float[] images = new float[BATCH * MnistCnn.SIZE * MnistCnn.SIZE];
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextDouble();
        }
        final float[] expected = mnistLogits(plain, scaled, images);

        // Unchecked, the secure logits are wrong and nothing says so.
        final float[] unchecked = LocalParties.builder().parties(PARTIES).build()
            .run(ops -> secureMnistLogits(ops, file, images)).get(0);
        double worst = 0;
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((double) expected[i] - unchecked[i]));
            largest = Math.max(largest, Math.abs(expected[i]));
        }
        assertTrue(worst > 0.5 * largest, "unchecked, the logits are far off: " + worst + " of " + largest);

        final PartyFailureException f = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(PARTIES).checked(true).build()
                .run(ops -> secureMnistLogits(ops, file, images)));
        final CheckedModeException e = assertInstanceOf(CheckedModeException.class, f.getCause(), f.toString());
        assertEquals(CheckedModeException.Reason.RANGE, e.reason(), e.getMessage());
        assertEquals("conv2d", e.operation(), e.getMessage());
        assertEquals("layer 3 (Conv2d), forward", e.label(), e.getMessage());
        assertTrue(e.getMessage().startsWith("conv2d left its range in layer 3 (Conv2d), forward: a sum of products"
            + " reached 2^30 in magnitude"), e.getMessage());
    }

    private static <T> float[] mnistLogits(final TensorEngine<T> e, final Module<T> net, final float[] images) {
        final T input = e.fromFloats(images, BATCH, MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE);
        try (Tape<T> tape = new Tape<>(e)) {
            return e.toFloats(net.forward(tape.input(input)).value());
        } finally {
            e.release(input);
        }
    }

    /** The owner shares the file's weights into a MnistCnn; every party gets the revealed logits. */
    private static float[] secureMnistLogits(final dev.obscura.mpc.SecureOps ops, final Path file,
                                             final float[] images) {
        final SecureEngine e = new SecureEngine(ops, OWNER);
        final Sequential<SecretTensor> net = MnistCnn.create(e, 12);
        try {
            ModelBinding.apply(ops.session().partyId() == OWNER ? ModelFile.read(file)
                : ModelBinding.placeholder(net, e), net, e);
            return mnistLogits(e, net, images);
        } finally {
            release(e, net);
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

        final List<String> outcome = LocalParties.builder().parties(PARTIES).checked(true).build().run(ops -> {
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
