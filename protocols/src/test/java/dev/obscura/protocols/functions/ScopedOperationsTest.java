package dev.obscura.protocols.functions;

import static dev.obscura.protocols.functions.FunctionTests.input;
import static dev.obscura.protocols.functions.FunctionTests.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.Scope;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.ring.RingTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lifetimes of {@link SecureOps} results: a scope releases what the operations made inside it and keeps what the
 * code kept, and every derived function leaves exactly its results in the caller's scope (its temporaries live and
 * die in scopes of its own).
 */
class ScopedOperationsTest {

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3})
    void shouldReleaseWhatAScopeMadeAndKeepWhatItKept(final int parties) {
        final double[] values = {1.5, -2, 0.25, 3};
        final double[] got = run(parties, ops -> {
            try (SecretTensor x = input(ops, values, 4)) {
                final SecretTensor difference;
                final SecretTensor temporary;
                final SecretTensor square;
                final SecretTensor kept;
                try (Scope outer = ops.scope()) {
                    difference = ops.sub(x, x);
                    try (Scope inner = ops.scope()) {
                        temporary = ops.neg(x);
                        square = inner.keep(ops.mul(x, temporary));
                    }
                    assertFalse(temporary.share().isOpen(), "released by the inner scope");
                    assertTrue(square.share().isOpen(), "kept into the outer scope");
                    assertTrue(outer.owns(square));
                    kept = outer.keep(ops.add(square, difference));
                }
                assertFalse(difference.share().isOpen(), "released by the outer scope");
                assertFalse(square.share().isOpen(), "released with the outer scope that it was kept into");
                assertTrue(x.share().isOpen(), "made outside every scope: the caller's");
                try (kept) {
                    return ops.reveal(kept);
                }
            }
        });
        assertArrayEquals(new double[] {-2.25, -4, -0.0625, -9}, got, 0.0);
    }

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3})
    void shouldLeaveOnlyItsResultsInTheCallersScope(final int parties) {
        final double[] values = {0.5, -1, 2, 0.75, -3, 1.25, 4, -0.5};
        final double[] positives = {0.5, 1, 2, 0.75, 3, 1.25, 4, 0.5};
        final Map<String, Integer> left = run(parties, ops -> {
            final Map<String, Integer> out = new LinkedHashMap<>();
            try (SecretTensor x = input(ops, values, 2, 4);
                 SecretTensor positive = input(ops, positives, 2, 4);
                 SecretTensor cond = ops.reluDerivative(x);
                 SecretTensor image = input(ops, values, 1, 2, 2, 2);
                 RingTensor p = RingTensor.of(new long[] {1L << 16, 3L << 15, -(1L << 16), 1L << 14}, 4)) {
                final Map<String, Function<SecureOps, Object>> calls = new LinkedHashMap<>();
                calls.put("mul", o -> o.mul(x, x));
                calls.put("mulPublic", o -> o.mulPublic(x, p, 16));
                calls.put("where", o -> o.where(cond, x, positive));
                calls.put("relu", o -> o.relu(x));
                calls.put("max", o -> o.max(x, positive));
                calls.put("maxPool2d", o -> o.maxPool2d(image, 2, 2, 1, 1));
                calls.put("argmax", o -> o.argmax(x));
                calls.put("exp", o -> o.exp(x));
                calls.put("reciprocal", o -> o.reciprocal(positive));
                calls.put("softmax", o -> o.softmax(x));
                for (final Map.Entry<String, Function<SecureOps, Object>> call : calls.entrySet()) {
                    try (Scope s = ops.scope()) {
                        call.getValue().apply(ops);
                        out.put(call.getKey(), s.size());
                    }
                }
            }
            return out;
        });
        final Map<String, Integer> expected = new LinkedHashMap<>();
        for (final String op : left.keySet()) {
            expected.put(op, op.equals("maxPool2d") ? 2 : 1); // the pooled values and the argmax mask
        }
        assertEquals(10, left.size());
        assertEquals(expected, left, "tensors left in the caller's scope by each operation");
    }
}
