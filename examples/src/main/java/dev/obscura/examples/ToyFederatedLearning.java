package dev.obscura.examples;

import dev.obscura.federated.worker.RemoteModel;
import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.RemoteTensor;
import dev.obscura.federated.worker.Worker;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.MeanSquaredError;
import dev.obscura.nn.optim.Sgd;
import java.io.PrintStream;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tutorial lesson "Toy federated learning": a linear model trained first the centralised way, on data held here,
 * then federated: the data split between bob and alice, and every step sends the model to the data
 * ({@code model.send(data.location)}), trains it there and brings it back ({@code model.get()}).
 */
public final class ToyFederatedLearning {
    private static final float[] DATA = {1, 1, 0, 1, 1, 0, 0, 0};
    private static final float[] TARGET = {1, 1, 0, 0};

    private ToyFederatedLearning() {
    }

    /**
     * The losses.
     *
     * @param centralised each step's loss, training here on all the data
     * @param federated   each step's loss at the worker trained, alternately bob and alice
     */
    public record Result(float[] centralised, float[] federated) {
    }

    private static Sequential<PlainTensor> model(final PlainEngine engine) {
        return Sequential.of(new Linear<>(engine, 2, 1, new SplittableRandom(1)));
    }

    /** Runs the lesson: {@code iterations} steps each way, on workers {@code bob} and {@code alice}. */
    public static Result run(final Workers workers, final PrintStream out, final int iterations) {
        final PlainEngine engine = new PlainEngine();
        // Centralised: ((pred - target)^2).sum() with lr 0.1 is the mean squared error with lr 0.4.
        final Sequential<PlainTensor> central = model(engine);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, central.parameters(), 0.4f, 0f);
        final float[] centralised = new float[iterations];
        for (int i = 0; i < iterations; i++) {
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final Variable<PlainTensor> pred = central.forward(tape.input(new PlainTensor(DATA.clone(), 4, 2)));
                final var loss = MeanSquaredError.of(pred, TARGET);
                centralised[i] = (float) (4 * loss.value());
                loss.backward();
                sgd.step();
            }
        }
        out.println("centralised, last loss " + centralised[iterations - 1]);

        // Federated: each worker holds half the data.
        final Worker bob = workers.get("bob");
        final Worker alice = workers.get("alice");
        final List<RemoteTensor[]> datasets = List.of(
            new RemoteTensor[] {bob.send(new PlainTensor(new float[] {1, 1, 0, 1}, 2, 2)),
                bob.send(new PlainTensor(new float[] {1, 1}, 2, 1))},
            new RemoteTensor[] {alice.send(new PlainTensor(new float[] {1, 0, 0, 0}, 2, 2)),
                alice.send(new PlainTensor(new float[] {0, 0}, 2, 1))});
        Sequential<PlainTensor> model = model(engine);
        final float[] federated = new float[iterations * 2];
        int step = 0;
        for (int i = 0; i < iterations; i++) {
            for (final RemoteTensor[] d : datasets) {
                try (RemoteScope scope = RemoteScope.open();
                     RemoteModel there = d[0].worker().send(model)) {      // send the model to the data
                    final RemoteTensor loss = there.forward(d[0]).sub(d[1]).square().sum();
                    loss.backward();
                    there.step(0.1f);
                    model = model(engine);
                    there.getInto(model, engine);                         // get the smarter model back
                    federated[step] = loss.get().data()[0];
                    out.printf("%s: loss %.4f%n", d[0].worker().name(), federated[step++]);
                }
            }
        }
        datasets.forEach(d -> {
            d[0].close();
            d[1].close();
        });
        return new Result(centralised, federated);
    }

    /**
     * Runs the lesson, twenty steps each way.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        try (Workers workers = Examples.workers(args, "bob", "alice")) {
            run(workers, System.out, 20);
        }
    }
}
