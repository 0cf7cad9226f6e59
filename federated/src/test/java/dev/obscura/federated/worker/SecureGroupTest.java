package dev.obscura.federated.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.protocols.LocalParties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Secret sharing among workers with a crypto provider: arithmetic and the secure nn on shares against plaintext,
 * for 2 and 3 parties in-process and 2 over TCP; what a single party holds; who learns the result.
 */
final class SecureGroupTest {
    /** Fixed point with 16 fractional bits: products and sums of small values within a few ulps. */
    private static final float TOLERANCE = 1e-3f;
    private static final ModelSpec SMALL_CNN = ModelSpec.builder().conv2d(1, 2, 3, 1, 0).relu().maxPool2d(2)
        .flatten().linear(8, 3).build();

    @TempDir
    Path dir;

    private static PlainTensor random(final SplittableRandom r, final int... shape) {
        final float[] v = new float[(int) dev.obscura.ring.Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 8 - 4);
        }
        return new PlainTensor(v, shape);
    }

    private static void assertClose(final float[] expected, final float[] actual, final float tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), "index " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void shouldComputeOnSharesAsInPlaintext(final int parties) {
        final List<String> names = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            names.add("party" + p);
        }
        names.add("charlie");
        try (LocalWorkers workers = LocalWorkers.start(names.toArray(String[]::new))) {
            arithmetic(workers.all().subList(0, parties), workers.get("charlie"), new SplittableRandom(parties));
        }
    }

    @Test
    void shouldComputeOnSharesOverTcpBetweenRemoteWorkers() {
        final String mpc = LoopbackWorkers.twoPartyMpc(dir) + "mpc.bob = party-0\nmpc.alice = party-1\n"
            + "mpc.charlie = dealer\n";
        try (LoopbackWorkers d = LoopbackWorkers.start(dir, List.of("bob", "alice", "charlie"), mpc, Map.of());
             RemoteWorkers workers = d.connect()) {
            arithmetic(List.of(workers.get("bob"), workers.get("alice")), workers.get("charlie"),
                new SplittableRandom(7));
            // Over TCP the group must match mpc.conf: alice is party-1, not party 0.
            final WorkerException e = assertThrows(WorkerException.class, () -> SecureGroup.form(
                List.of(workers.get("alice"), workers.get("bob")), workers.get("charlie")));
            assertTrue(e.getMessage().contains("needs worker alice as party-0"), e.getMessage());
        }
    }

    private static void arithmetic(final List<Worker> parties, final Worker provider, final SplittableRandom r) {
        final PlainTensor a = random(r, 3, 4);
        final PlainTensor b = random(r, 3, 4);
        final PlainTensor c = random(r, 4, 2);
        try (SecureGroup group = SecureGroup.form(parties, provider);
             RemoteScope scope = RemoteScope.open()) {
            final SharedTensor x = group.share(a);
            final SharedTensor y = group.share(b);
            final SharedTensor z = group.share(c);
            final PlainEngine e = new PlainEngine();
            assertClose(e.add(a, b).data(), x.add(y).get().data(), TOLERANCE);
            assertClose(ElementwiseOps.PLAIN.mul(a, b).data(), x.mul(y).get().data(), TOLERANCE);
            assertClose(e.matmul(a, c, false, false).data(), x.matmul(z).get().data(), TOLERANCE);
            assertClose(e.relu(e.sub(a, b)).values().data(), x.sub(y).relu().get().data(), TOLERANCE);
            assertClose(ElementwiseOps.PLAIN.sumAll(a).data(), x.sum().get().data(), TOLERANCE);
            assertClose(e.scale(ElementwiseOps.PLAIN.transpose(a), 0.5f).data(), x.transpose().scale(0.5f).get()
                .data(), TOLERANCE);
            // No single party's share is the value: each is uniformly random.
            final WireReader probe = parties.get(0).await(parties.get(0).send(WorkerProtocol.SHARE_GET,
                w -> w.i64(x.id(0)).bool(false)));
            assertArrayEquals(new int[] {3, 4}, probe.shape("share", 8));
            assertEquals(16, probe.i32("fractional bits"));
            final long[] share = probe.longs(12, "share");
            final dev.obscura.ring.FixedPoint fp = dev.obscura.ring.FixedPoint.defaultEncoding();
            for (int i = 0; i < share.length; i++) {
                assertTrue(share[i] != fp.encode(a.data()[i]), "a share is not the value, index " + i);
            }
            // A tensor a party holds enters the group from that party; it stays with its owner.
            final RemoteTensor owned = parties.get(1).send(b);
            assertClose(e.add(a, b).data(), x.add(group.share(owned)).get().data(), TOLERANCE);
            assertArrayEquals(b.data(), owned.get().data());
            final IllegalArgumentException elsewhere = assertThrows(IllegalArgumentException.class,
                () -> group.share(provider.send(b)));
            assertTrue(elsewhere.getMessage().contains("no party of this group"), elsewhere.getMessage());
        }
        for (final Worker w : parties) {
            assertEquals(List.of(), w.objects(), "closing the group drops every share");
        }
    }

    @Test
    void shouldRunTheSecureNnOnSharesAsTheInProcessSuiteDoes() {
        final PlainEngine plain = new PlainEngine();
        final Sequential<PlainTensor> model = SMALL_CNN.build(plain, 11);
        final PlainTensor images = random(new SplittableRandom(3), 2, 1, 6, 6);
        final float[] expected;
        try (Tape<PlainTensor> tape = new Tape<>(plain)) {
            expected = model.forward(tape.input(images)).value().data();
        }
        final ModelData weights = ModelBinding.capture(model, plain);
        // The in-process suite: the same model on shares, party 0 owning weights and images.
        final List<double[]> suite = LocalParties.builder().parties(2).build().run(ops -> {
            final SecureEngine engine = new SecureEngine(ops, 0);
            final Sequential<SecretTensor> secure = SMALL_CNN.build(engine, 0);
            ModelBinding.apply(weights, secure, engine);
            final SecretTensor x = engine.fromFloats(images.data(), images.shape());
            try (Tape<SecretTensor> tape = new Tape<>(engine)) {
                return ops.reveal(secure.forward(tape.input(x)).value());
            }
        });
        try (LocalWorkers workers = LocalWorkers.start("bob", "alice", "charlie");
             SecureGroup group = SecureGroup.form(List.of(workers.get("bob"), workers.get("alice")),
                 workers.get("charlie"));
             SharedModel shared = group.share(model);
             SharedTensor x = group.share(images)) {
            final float[] logits = shared.forward(x).get().data();
            assertClose(expected, logits, 5e-3f);
            for (int i = 0; i < logits.length; i++) {
                assertEquals(suite.get(0)[i], logits[i], 5e-3, "the in-process suite, index " + i);
            }
        }
    }

    @Test
    void shouldRefuseSharesOfAnotherGroupAndSpentReferences() {
        try (LocalWorkers workers = LocalWorkers.start("bob", "alice", "charlie", "dave");
             SecureGroup one = SecureGroup.form(List.of(workers.get("bob"), workers.get("alice")),
                 workers.get("charlie"));
             SecureGroup two = SecureGroup.form(List.of(workers.get("bob"), workers.get("alice")),
                 workers.get("dave"))) {
            final SharedTensor x = one.share(Scenarios.vector(1, 2));
            final SharedTensor y = two.share(Scenarios.vector(1, 2));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> x.add(y)).getMessage()
                .contains("in one secure group"));
            assertArrayEquals(new float[] {1, 2}, x.get().data());
            assertTrue(assertThrows(IllegalStateException.class, () -> x.add(x)).getMessage()
                .contains("was fetched with get()"));
        }
    }
}
