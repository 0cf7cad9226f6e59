package dev.obscura.federated.worker;


import java.util.List;

/**
 * A model whose weights are secret-shared among the parties of a {@link SecureGroup}
 * ({@link SecureGroup#share(dev.obscura.nn.layers.Sequential)}): each party built the same layers on its shares,
 * and {@link #forward} runs the secure {@code nn} layers on a shared input, as the in-process suite does. Closing
 * (or collecting) it drops the shares. Thread-safe.
 */
public final class SharedModel implements AutoCloseable, RemoteScope.Releasable {
    private final SecureGroup group;
    private final long[] ids;
    private final ModelSpec spec;
    private final Liveness liveness;

    SharedModel(final SecureGroup group, final long[] ids, final ModelSpec spec) {
        this.group = group;
        this.ids = ids.clone();
        this.spec = spec;
        this.liveness = Liveness.track(this, group.parties().toArray(Worker[]::new), ids);
        RemoteScope.track(this);
    }

    /** The model's layers. */
    public ModelSpec spec() {
        return spec;
    }

    /** The model's output for {@code input}, computed on shares by the parties; shared itself. */
    public SharedTensor forward(final SharedTensor input) {
        if (liveness.gone() != null) {
            throw new IllegalStateException("shared model of " + group + " " + liveness.gone());
        }
        input.requireLive();
        if (input.group() != group) {
            throw new IllegalArgumentException("forward needs the input in the model's secure group: " + group
                + " and " + input.group());
        }
        final List<WireReader> answers = group.each(WorkerProtocol.SHARED_FORWARD,
            p -> w -> w.i64(ids[p]).i64(input.id(p)));
        final long[] out = new long[answers.size()];
        int[] shape = null;
        for (int p = 0; p < out.length; p++) {
            out[p] = answers.get(p).i64("id");
            shape = answers.get(p).shape("shape", 0);
        }
        java.lang.ref.Reference.reachabilityFence(input);
        return new SharedTensor(group, out, shape);
    }

    /** Drops the shares at every party. Idempotent. */
    @Override
    public void close() {
        liveness.release("was closed");
    }

    @Override
    public String toString() {
        return "SharedModel[" + spec.parameterCount() + " parameters of " + group + "]";
    }
}
