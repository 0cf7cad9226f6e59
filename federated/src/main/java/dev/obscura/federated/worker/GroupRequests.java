package dev.obscura.federated.worker;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.Transport;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.MemoryBudget;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A worker's part in secure groups ({@link WorkerProtocol}, the {@code GROUP_} and {@code SHARE} requests): as a
 * party it holds additive shares and runs the additive dealer suite's protocols with the other parties, SPMD, every
 * party executing the same requests in the same order; as the crypto provider it runs the suite's dealer. The
 * functions on shares are the ones on plaintext tensors ({@link Functions}), on a {@link SecureEngine}. On the
 * worker's thread; a group's dealer runs on a thread of its own.
 */
final class GroupRequests {
    /** The longest a leaving crypto provider waits for its dealer to see the parties go. */
    private static final long DEALER_GRACE_MILLIS = 10_000;

    private final WorkerNode node;

    GroupRequests(final WorkerNode node) {
        this.node = node;
    }

    /** A worker's membership of one group. */
    static final class Member {
        final long group;
        final int role;
        final Transport transport;
        Session session;
        SecureOps ops;
        SecureEngine engine;
        ElementwiseOps<SecretTensor> ew;
        CompletableFuture<Void> dealer;

        Member(final long group, final int role, final Transport transport) {
            this.group = group;
            this.role = role;
            this.transport = transport;
        }
    }

    void handle(final int op, final WireReader in, final WireWriter out) {
        switch (op) {
            case WorkerProtocol.GROUP_JOIN -> join(in);
            case WorkerProtocol.GROUP_LEAVE -> leave(in.i64("group"));
            case WorkerProtocol.SHARE_PUT -> {
                final Member m = party(in.i64("group"));
                final int[] shape = in.shape("share", 8);
                final int fracBits = fracBits(in.i32("fractional bits"));
                final long[] values = in.longs(Math.toIntExact(Shapes.numel(shape)), "shares");
                out.i64(store(m, new SecretTensor(RingTensor.of(values, shape), fracBits)));
            }
            case WorkerProtocol.SHARE_INPUT -> {
                final Member m = party(in.i64("group"));
                final int owner = in.i32("owner");
                final long source = in.i64("source");
                final int[] shape = in.shape("shape", 0);
                double[] values = null;
                if (owner == m.role) {
                    final Held.Tensor t = node.store.get(source, Held.Tensor.class, "tensor");
                    if (!Arrays.equals(t.shape(), shape)) {
                        throw new IllegalArgumentException("tensor " + source + " has shape "
                            + Shapes.toString(t.shape()) + ", the group expects " + Shapes.toString(shape));
                    }
                    final float[] f = t.value().data();
                    values = new double[f.length];
                    for (int i = 0; i < f.length; i++) {
                        values[i] = f[i];
                    }
                }
                out.i64(store(m, m.ops.input(owner, values, shape)));
            }
            case WorkerProtocol.SHARE_COMPUTE -> compute(in, out);
            case WorkerProtocol.SHARE_GET -> {
                final long id = in.i64("id");
                final boolean remove = in.bool("remove");
                final Held.Share s = node.store.get(id, Held.Share.class, "share");
                out.shape(s.share.shape()).i32(s.share.fracBits()).longs(s.share.share().toArray());
                if (remove) {
                    node.store.free(id);
                }
            }
            case WorkerProtocol.SHARED_MODEL_PUT -> putModel(in, out);
            case WorkerProtocol.SHARED_FORWARD -> {
                final Held.SharedModel model = node.store.get(in.i64("model"), Held.SharedModel.class,
                    "shared model");
                final Held.Share x = node.store.get(in.i64("input"), Held.Share.class, "share");
                final Member m = party(model.group);
                sameGroup(m, x);
                try (Tape<SecretTensor> tape = new Tape<>(m.engine)) {
                    final SecretTensor y = model.network.forward(tape.input(x.share)).value();
                    out.i64(store(m, owned(m, y, true))).shape(y.shape());
                }
            }
            default -> throw new IllegalStateException("not a group request, op=" + op);
        }
    }

    private void join(final WireReader in) {
        final long group = in.i64("group");
        final int role = in.i32("role");
        final int parties = in.i32("parties");
        final int fracBits = fracBits(in.i32("fractional bits"));
        final int count = in.count("members", WorkerProtocol.MAX_MEMBERS, 4);
        final List<String> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(in.string("member"));
        }
        if (parties < 2 || count != parties + 1 || role < -1 || role >= parties) {
            throw new IllegalArgumentException("a secure group has at least 2 parties and a crypto provider, parties="
                + parties + ", members=" + count + ", role=" + role);
        }
        final int endpoint = role < 0 ? parties : role;
        if (!members.get(endpoint).equals(node.name)) {
            throw new IllegalArgumentException("the group lists " + members.get(endpoint) + " at this worker's"
                + " place, this is " + node.name);
        }
        if (node.groups.containsKey(group)) {
            throw new IllegalStateException("worker " + node.name + " is already in secure group " + group);
        }
        if (node.context.groupNetworks == null) {
            throw new IllegalStateException("worker " + node.name + " cannot join secure groups (no mpc network"
                + " configured)");
        }
        final Transport transport = node.context.groupNetworks.join(group, endpoint, members, fracBits,
            node.context.timeout);
        final Member m = new Member(group, role, transport);
        final AdditiveSuite suite = new AdditiveSuite();
        final Backend backend = Backends.defaultBackend();
        try {
            if (role >= 0) {
                m.session = Session.establish(transport, backend, new FixedPoint(fracBits), suite.helperRoles()
                    .size());
                m.ops = new SecureOps(suite.init(m.session));
                m.engine = new SecureEngine(m.ops, 0);
                m.ew = ElementwiseOps.secure(m.ops);
            } else {
                final HelperRole dealer = suite.helperRoles().get(0);
                m.dealer = new CompletableFuture<>();
                final Thread t = new Thread(() -> {
                    try {
                        dealer.run(transport, backend);
                        m.dealer.complete(null);
                    } catch (RuntimeException | Error e) {
                        m.dealer.completeExceptionally(e);
                    } finally {
                        MemoryBudget.releaseThreadPool();
                    }
                }, "obscura-worker-" + node.name + "-dealer-" + group);
                t.setDaemon(true);
                t.start();
            }
        } catch (RuntimeException | Error e) {
            node.context.groupNetworks.leave(group, transport);
            throw e;
        }
        node.groups.put(group, m);
    }

    private void leave(final long group) {
        final Member m = node.groups.remove(group);
        if (m == null) {
            return;
        }
        node.store.dropIf(h -> h instanceof Held.Share s && s.group == group
            || h instanceof Held.SharedModel sm && sm.group == group);
        try {
            if (m.session != null) {
                m.session.close();
            } else if (m.dealer != null) {
                // The dealer ends when every party has closed its connection to it.
                m.dealer.handle((v, t) -> null).get(DEALER_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            // left anyway: the endpoint is closed below, which ends the dealer
        } finally {
            node.context.groupNetworks.leave(group, m.transport);
        }
    }

    /** Leaves every group (the worker stops). */
    void leaveAll() {
        for (final Long g : new ArrayList<>(node.groups.keySet())) {
            leave(g);
        }
    }

    private void compute(final WireReader in, final WireWriter out) {
        final Member m = party(in.i64("group"));
        final TensorFunction fn = TensorFunction.of(in.u8("function"));
        final long[] ids = in.ids("operands", 3);
        final int[] ints = in.ints("parameters", WorkerProtocol.MAX_INTS);
        final float scalar = in.f32("scalar");
        final int[][] shapes = new int[ids.length][];
        final List<SecretTensor> operands = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            final Held.Share s = node.store.get(ids[i], Held.Share.class, "share");
            sameGroup(m, s);
            operands.add(s.share);
            shapes[i] = s.shape();
        }
        final int[] shape = fn.outputShape(shapes, ints);
        try (Tape<SecretTensor> tape = new Tape<>(m.engine)) {
            final List<Variable<SecretTensor>> vars = new ArrayList<>(operands.size());
            for (final SecretTensor s : operands) {
                vars.add(tape.input(s));
            }
            final SecretTensor result = owned(m, Functions.apply(fn, vars, ints, scalar, m.ew).value(),
                fn == TensorFunction.RESHAPE || fn == TensorFunction.FLATTEN);
            out.i64(store(m, result)).shape(shape);
        }
    }

    /**
     * {@code value}, made on an open tape, as a tensor this worker owns: taken out of the tape, or copied when it may
     * be a view of a tensor the tape releases.
     */
    private static SecretTensor owned(final Member m, final SecretTensor value, final boolean copy) {
        return m.ops.detach(copy ? m.ew.copy(value, value.shape()) : value);
    }

    private void putModel(final WireReader in, final WireWriter out) {
        final Member m = party(in.i64("group"));
        final ModelSpec spec = ModelSpec.read(in);
        final int fracBits = m.session.fixedPoint().fracBits();
        final Sequential<SecretTensor> network = spec.build(m.engine, 0);
        final List<Variable<SecretTensor>> params = network.parameters();
        final int count = in.count("parameters", WorkerProtocol.MAX_PARAMETERS, 1);
        if (count != params.size()) {
            params.forEach(p -> p.value().close());
            throw new IllegalArgumentException("the model has " + params.size() + " parameters, the request "
                + count);
        }
        final List<SecretTensor> shares = new ArrayList<>(count);
        try {
            for (final Variable<SecretTensor> p : params) {
                final int[] shape = in.shape("parameter", 8);
                if (!Arrays.equals(shape, p.value().shape())) {
                    throw new IllegalArgumentException("parameter " + shares.size() + " has shape "
                        + Shapes.toString(p.value().shape()) + ", the request " + Shapes.toString(shape));
                }
                shares.add(new SecretTensor(RingTensor.of(in.longs(Math.toIntExact(Shapes.numel(shape)), "share"),
                    shape), fracBits));
            }
        } catch (RuntimeException e) {
            shares.forEach(SecretTensor::close);
            params.forEach(p -> p.value().close());
            throw e;
        }
        for (int i = 0; i < params.size(); i++) {
            params.get(i).assign(m.engine, shares.get(i));
        }
        out.i64(node.store.put(new Held.SharedModel(m.group, spec, network)));
    }

    private long store(final Member m, final SecretTensor share) {
        return node.store.put(new Held.Share(m.group, share));
    }

    private Member party(final long group) {
        final Member m = node.groups.get(group);
        if (m == null) {
            throw new IllegalArgumentException("worker " + node.name + " is not in secure group " + group);
        }
        if (m.session == null) {
            throw new IllegalStateException("worker " + node.name + " is the crypto provider of group " + group
                + ": it holds no shares");
        }
        return m;
    }

    private static void sameGroup(final Member m, final Held.Share s) {
        if (s.group != m.group) {
            throw new IllegalArgumentException("the share belongs to secure group " + s.group + ", not " + m.group);
        }
    }

    private static int fracBits(final int bits) {
        if (bits < 0 || bits > FixedPoint.MAX_FRAC_BITS) {
            throw new IllegalArgumentException("fractional bits out of range, bits=" + bits + ", max="
                + FixedPoint.MAX_FRAC_BITS);
        }
        return bits;
    }
}
