package dev.obscura.federated.worker;

import dev.obscura.backend.Backends;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.random.Prg;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Workers that hold additive secret shares and compute on them together (PySyft's {@code share(bob, alice,
 * crypto_provider=charlie)}): the parties run the additive dealer suite among themselves, SPMD, over the network
 * between them (in-process, or the TCP transport with mutual TLS), and the crypto provider runs its dealer. A
 * tensor shared into the group ({@link #share(PlainTensor)}) is a {@link SharedTensor}: each party holds a share
 * that alone is uniformly random, and only {@link SharedTensor#get()} reconstructs the value, for this caller. A
 * model shared into the group ({@link #share(Sequential)}) runs the secure {@code nn} layers on shares, exactly as
 * the in-process suite does.
 *
 * <pre>{@code
 * try (SecureGroup group = SecureGroup.form(List.of(bob, alice), charlie);
 *      SharedTensor x = group.share(new PlainTensor(new float[] {1, 2, 3}, 3));
 *      SharedTensor y = group.share(new PlainTensor(new float[] {4, 5, 6}, 3))) {
 *     float[] product = x.mul(y).get().data();     // [4, 10, 18]: only this caller learns it
 * }
 * }</pre>
 *
 * <p>Security: semi-honest parties and a crypto provider that colludes with none of them (the additive suite's
 * model, see the README); this caller sees every value it shares and reconstructs. Thread-safe: the group's
 * operations run one at a time, in one order at every party.
 */
public final class SecureGroup implements AutoCloseable {
    private static final SecureRandom IDS = new SecureRandom();

    private final long id = IDS.nextLong() & Long.MAX_VALUE;
    private final List<Worker> parties;
    private final Worker cryptoProvider;
    private final FixedPoint fixedPoint;
    private boolean closed;

    private SecureGroup(final List<Worker> parties, final Worker cryptoProvider, final int fracBits) {
        this.parties = List.copyOf(parties);
        this.cryptoProvider = cryptoProvider;
        this.fixedPoint = new FixedPoint(fracBits);
    }

    /** The group of {@code parties} (two or more) with {@code cryptoProvider}, fixed point with 16 fractional bits. */
    public static SecureGroup form(final List<Worker> parties, final Worker cryptoProvider) {
        return form(parties, cryptoProvider, FixedPoint.DEFAULT_FRAC_BITS);
    }

    /**
     * The group of {@code parties} with {@code cryptoProvider}, fixed point with {@code fracBits} fractional bits:
     * every member joins at once, the parties agree their seeds and connect to the crypto provider.
     *
     * @throws IllegalArgumentException when fewer than two parties are given or a worker is given twice
     * @throws WorkerException          when a member cannot join (the others leave again)
     */
    public static SecureGroup form(final List<Worker> parties, final Worker cryptoProvider, final int fracBits) {
        final List<Worker> all = new ArrayList<>(parties);
        all.add(cryptoProvider);
        if (parties.size() < 2 || new LinkedHashSet<>(all).size() != all.size()) {
            throw new IllegalArgumentException("a secure group needs two or more distinct parties and another worker"
                + " as crypto provider, parties=" + parties.size());
        }
        final SecureGroup g = new SecureGroup(parties, cryptoProvider, fracBits);
        final List<String> names = all.stream().map(Worker::name).toList();
        final List<CompletableFuture<byte[]>> joins = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            final int role = i < parties.size() ? i : -1;
            joins.add(all.get(i).send(WorkerProtocol.GROUP_JOIN, w -> {
                w.i64(g.id).i32(role).i32(parties.size()).i32(fracBits).i32(names.size());
                names.forEach(w::string);
            }));
        }
        WorkerException failure = null;
        for (int i = 0; i < all.size(); i++) {
            try {
                all.get(i).await(joins.get(i));
            } catch (WorkerException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            g.close();
            throw failure;
        }
        return g;
    }

    /** The workers that hold the shares, in party order. */
    public List<Worker> parties() {
        return parties;
    }

    /** The worker that provides the correlated randomness (the dealer). */
    public Worker cryptoProvider() {
        return cryptoProvider;
    }

    /** Fractional bits of the fixed-point encoding. */
    public int fracBits() {
        return fixedPoint.fracBits();
    }

    /**
     * Secret-shares {@code t} from this caller: encoded in fixed point, split into uniformly random additive shares
     * (drawn from an AES-CTR generator seeded from {@code SecureRandom}), one sent to each party.
     *
     * @throws dev.obscura.ring.FixedPointRangeException when a value is outside the encodable range
     */
    public SharedTensor share(final PlainTensor t) {
        final long[][] shares = split(t.data());
        try {
            final long[] ids = run(WorkerProtocol.SHARE_PUT, p -> w -> w.shape(t.shape()).i32(fixedPoint.fracBits())
                .longs(shares[p]), r -> r.i64("id"));
            return new SharedTensor(this, ids, t.shape());
        } finally {
            for (final long[] s : shares) {
                Arrays.fill(s, 0);
            }
        }
    }

    /**
     * Secret-shares the tensor {@code t} from the party that holds it (its owner inputs it, the others receive
     * shares); {@code t} stays with its owner.
     *
     * @throws IllegalArgumentException when {@code t}'s worker is not a party of this group
     */
    public SharedTensor share(final RemoteTensor t) {
        t.requireLive();
        final int owner = parties.indexOf(t.worker());
        if (owner < 0) {
            throw new IllegalArgumentException("tensor " + t.id() + " is on worker " + t.worker().name()
                + ", which is no party of this group " + names());
        }
        final long[] ids = run(WorkerProtocol.SHARE_INPUT, p -> w -> w.i32(owner).i64(p == owner ? t.id() : 0)
            .shape(t.shape()), r -> r.i64("id"));
        java.lang.ref.Reference.reachabilityFence(t);
        return new SharedTensor(this, ids, t.shape());
    }

    /** Secret-shares the model {@code network}'s weights from this caller; each party builds the same layers. */
    public SharedModel share(final Sequential<PlainTensor> network) {
        final ModelSpec spec = ModelSpec.of(network);
        final ModelData data = ModelBinding.capture(network, new PlainEngine());
        final List<long[][]> shares = new ArrayList<>();
        for (final ModelData.Parameter p : data.parameters()) {
            shares.add(split(p.values()));
        }
        try {
            final long[] ids = run(WorkerProtocol.SHARED_MODEL_PUT, party -> w -> {
                spec.write(w);
                w.i32(shares.size());
                for (int i = 0; i < shares.size(); i++) {
                    w.shape(data.parameters().get(i).shape()).longs(shares.get(i)[party]);
                }
            }, r -> r.i64("id"));
            return new SharedModel(this, ids, spec);
        } finally {
            shares.forEach(s -> Arrays.stream(s).forEach(a -> Arrays.fill(a, 0)));
        }
    }

    /** Additive shares of the fixed-point encoding of {@code values}, one array per party. */
    private long[][] split(final float[] values) {
        final int n = parties.size();
        final long[][] out = new long[n][];
        final long[] last = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            last[i] = fixedPoint.encode(values[i]);
        }
        final Prg prg = Prg.fresh(Backends.defaultBackend());
        try {
            for (int p = 0; p < n - 1; p++) {
                try (RingTensor r = prg.next(Math.max(1, values.length))) {
                    out[p] = Arrays.copyOf(r.toArray(), values.length);
                }
                for (int i = 0; i < values.length; i++) {
                    last[i] -= out[p][i];
                }
            }
        } finally {
            prg.destroy();
        }
        out[n - 1] = last;
        return out;
    }

    /**
     * Sends one request to every party at once (the SPMD step) and reads each answer with {@code read}; the body
     * for party {@code p} is {@code body.apply(p)}. One group operation runs at a time.
     */
    synchronized long[] run(final int op, final java.util.function.IntFunction<Consumer<WireWriter>> body,
                            final java.util.function.ToLongFunction<WireReader> read) {
        if (closed) {
            throw new IllegalStateException("the secure group " + names() + " is closed");
        }
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>(parties.size());
        for (int p = 0; p < parties.size(); p++) {
            final Consumer<WireWriter> b = body.apply(p);
            calls.add(parties.get(p).send(op, w -> b.accept(w.i64(id))));
        }
        final long[] out = new long[parties.size()];
        WorkerException failure = null;
        for (int p = 0; p < parties.size(); p++) {
            try {
                out[p] = read.applyAsLong(parties.get(p).await(calls.get(p)));
            } catch (WorkerException e) {
                failure = failure == null || failure.kind() != WorkerException.Kind.FAILED ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    /** Reads every party's answer to one request without a group id (a share's own request). */
    synchronized List<WireReader> each(final int op, final java.util.function.IntFunction<Consumer<WireWriter>> body) {
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>(parties.size());
        for (int p = 0; p < parties.size(); p++) {
            calls.add(parties.get(p).send(op, body.apply(p)));
        }
        final List<WireReader> out = new ArrayList<>(parties.size());
        for (int p = 0; p < parties.size(); p++) {
            out.add(parties.get(p).await(calls.get(p)));
        }
        return out;
    }

    /** The value of every party's share of one tensor, summed modulo 2^64 and decoded. */
    float[] reconstruct(final List<long[]> shares, final int fracBits) {
        final long[] sum = new long[shares.get(0).length];
        for (final long[] s : shares) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += s[i];
            }
            Arrays.fill(s, 0);
        }
        final FixedPoint fp = new FixedPoint(fracBits);
        final float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) fp.decode(sum[i]);
        }
        return out;
    }

    List<String> names() {
        final List<String> out = new ArrayList<>();
        parties.forEach(w -> out.add(w.name()));
        out.add(cryptoProvider.name());
        return out;
    }

    /**
     * Ends the group: every party drops its shares and closes its connections, then the crypto provider stops its
     * dealer. Idempotent; a member that is gone is skipped.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        leave(parties);
        leave(List.of(cryptoProvider));
    }

    private void leave(final List<Worker> members) {
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (final Worker w : members) {
            try {
                calls.add(w.send(WorkerProtocol.GROUP_LEAVE, b -> b.i64(id)));
            } catch (RuntimeException e) {
                calls.add(null); // a closed handle: nothing to leave
            }
        }
        for (int i = 0; i < calls.size(); i++) {
            try {
                if (calls.get(i) != null) {
                    members.get(i).await(calls.get(i));
                }
            } catch (WorkerException e) {
                // gone already
            }
        }
    }

    @Override
    public String toString() {
        return "SecureGroup" + names();
    }
}
