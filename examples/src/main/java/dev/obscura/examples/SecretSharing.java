package dev.obscura.examples;

import dev.obscura.federated.worker.ModelSpec;
import dev.obscura.federated.worker.RemoteScope;
import dev.obscura.federated.worker.SecureGroup;
import dev.obscura.federated.worker.SharedModel;
import dev.obscura.federated.worker.SharedTensor;
import dev.obscura.federated.worker.Workers;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.ring.FixedPoint;
import java.io.PrintStream;
import java.util.List;

/**
 * Tutorial "Secret sharing and encrypted deep learning": fixed point ({@code fix_prec()}: 16 fractional bits, so
 * 0.123 is held as the integer round(0.123 · 2^16)), a tensor split into additive shares among bob and alice with
 * charlie as crypto provider ({@code share(bob, alice, crypto_provider=charlie)}), arithmetic on the shares, and a
 * model and an image both shared, the model run on shares: only the caller reconstructs the answer.
 */
public final class SecretSharing {
    private SecretSharing() {
    }

    /**
     * What the caller reconstructed.
     *
     * @param encoded    0.123 in fixed point, as the ring holds it
     * @param sum        {@code x + y}
     * @param product    {@code x * y}
     * @param logits     the shared model's output on the shared image
     * @param plainLogits the same model's output in plaintext
     */
    public record Result(long encoded, PlainTensor sum, PlainTensor product, PlainTensor logits,
                         PlainTensor plainLogits) {
    }

    /** A small convolutional network for 8x8 images. */
    static final ModelSpec NETWORK = ModelSpec.builder().conv2d(1, 4, 3, 1, 0).relu().maxPool2d(2).flatten()
        .linear(36, 10).build();

    /** Runs the tutorial on workers {@code bob}, {@code alice} (the parties) and {@code charlie} (the provider). */
    public static Result run(final Workers workers, final PrintStream out) {
        final long encoded = FixedPoint.defaultEncoding().encode(0.123);
        out.println("0.123 in fixed point with 16 fractional bits: " + encoded);
        try (SecureGroup group = SecureGroup.form(List.of(workers.get("bob"), workers.get("alice")),
                 workers.get("charlie"));
             RemoteScope scope = RemoteScope.open()) {
            final SharedTensor x = group.share(Examples.vector(25, 5, -1.5f));
            final SharedTensor y = group.share(Examples.vector(5, 3, 2));
            final PlainTensor sum = x.add(y).get();
            final PlainTensor product = x.mul(y).get();
            out.println("x + y = " + java.util.Arrays.toString(sum.data()) + ", x * y = "
                + java.util.Arrays.toString(product.data()));

            final PlainEngine engine = new PlainEngine();
            final Sequential<PlainTensor> model = NETWORK.build(engine, 7);
            final float[] pixels = new float[64];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (i % 9) / 8f;
            }
            final PlainTensor image = new PlainTensor(pixels, 1, 1, 8, 8);
            final SharedModel sharedModel = group.share(model);        // the weights, in shares
            final PlainTensor logits = sharedModel.forward(group.share(image)).get();
            final PlainTensor plain;
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                plain = model.forward(tape.input(image)).value();
            }
            out.println("logits on shares: " + java.util.Arrays.toString(logits.data()));
            out.println("logits in clear:  " + java.util.Arrays.toString(plain.data()));
            return new Result(encoded, sum, product, logits, plain);
        }
    }

    /**
     * Runs the tutorial.
     *
     * @param args see {@link Examples}
     */
    public static void main(final String[] args) {
        try (Workers workers = Examples.workers(args, "bob", "alice", "charlie")) {
            run(workers, System.out);
        }
    }
}
