package dev.obscura.protocols.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.optim.Sgd;
import dev.obscura.protocols.CheckedModeException;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.PartyFailureException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Checked mode names where in a network an operation left its range ({@link dev.obscura.nn.engine.Labels}): the
 * layer and its forward pass, a layer's backward pass, a layer inside a nested network, and the optimiser's update
 * of one parameter. (The forward pass of a {@code MnistCnn} is in {@code ModelFileSecureTest}.) Each program runs
 * on 2 checked in-process parties at f = 16, where a sum of products is exact below 2^30 ~ 1.07e9.
 */
final class CheckedNnTest {
    private static final int OWNER = 0;

    @Test
    void shouldNameTheLayerWhoseBackwardPassLeftTheRange() {
        // Forward: 1e3 * weights below 0.5, fine. Backward: dW = dy^T x sums 2 * 1e6 * 1e3 = 2e9 > 2^30.
        final CheckedModeException e = refusal(ops -> {
            final SecureEngine eng = new SecureEngine(ops, OWNER);
            final Sequential<SecretTensor> net = Sequential.of(new Linear<>(eng, 4, 2, new SplittableRandom(1)));
            final SecretTensor x = eng.fromFloats(filled(8, 1e3f), 2, 4);
            try (Tape<SecretTensor> tape = new Tape<>(eng)) {
                final Variable<SecretTensor> out = net.forward(tape.input(x));
                tape.backward(out, eng.fromFloats(filled(4, 1e6f), 2, 2));
                return 0;
            }
        });
        assertEquals("matmul", e.operation(), e.getMessage());
        assertEquals("layer 0 (Linear), backward", e.label(), e.getMessage());
    }

    @Test
    void shouldNameTheLayerOfANestedNetwork() {
        // 1e10 * weights up to 0.5, summed over 4 inputs: far beyond 2^30.
        final CheckedModeException e = refusal(ops -> {
            final SecureEngine eng = new SecureEngine(ops, OWNER);
            final SplittableRandom random = new SplittableRandom(2);
            final Sequential<SecretTensor> net = Sequential.of(new ReLU<>(),
                Sequential.of(new Linear<>(eng, 4, 3, random), new ReLU<>()));
            final SecretTensor x = eng.fromFloats(filled(8, 1e10f), 2, 4);
            try (Tape<SecretTensor> tape = new Tape<>(eng)) {
                return eng.toFloats(net.forward(tape.input(x)).value()).length;
            }
        });
        assertEquals("matmul", e.operation(), e.getMessage());
        assertEquals("layer 1 (Sequential) / layer 0 (Linear), forward", e.label(), e.getMessage());
    }

    @Test
    void shouldNameTheParameterWhoseOptimiserUpdateLeftTheRange() {
        // A weight of 6e13 (it encodes) times a tiny input fits; its weight decay, 6e13 * 0.01, does not.
        final CheckedModeException e = refusal(ops -> {
            final SecureEngine eng = new SecureEngine(ops, OWNER);
            final Linear<SecretTensor> linear = new Linear<>(eng, 1, 1, new SplittableRandom(3));
            linear.weight().assign(eng, eng.fromFloats(new float[] {6e13f}, 1, 1));
            final Sequential<SecretTensor> net = Sequential.of(linear);
            final SecretTensor x = eng.fromFloats(new float[] {1e-5f}, 1, 1);
            try (Tape<SecretTensor> tape = new Tape<>(eng)) {
                tape.backward(net.forward(tape.input(x)), eng.fromFloats(new float[] {1f}, 1, 1));
                new Sgd<>(eng, net.parameters(), 0.1f, 0.9f, 0.01f).step();
                return 0;
            }
        });
        assertEquals("mulPublic", e.operation(), e.getMessage());
        assertEquals("optimiser (Sgd), parameter 0 (linear.weight)", e.label(), e.getMessage());
    }

    private static <T> CheckedModeException refusal(final Function<SecureOps, T> program) {
        final PartyFailureException f = assertThrows(PartyFailureException.class,
            () -> LocalParties.builder().parties(2).checked(true).build().run(program));
        final CheckedModeException e = assertInstanceOf(CheckedModeException.class, f.getCause(), f.toString());
        assertEquals(CheckedModeException.Reason.RANGE, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(" in " + e.label() + ": "), e.getMessage());
        return e;
    }

    private static float[] filled(final int n, final float v) {
        final float[] out = new float[n];
        Arrays.fill(out, v);
        return out;
    }
}
