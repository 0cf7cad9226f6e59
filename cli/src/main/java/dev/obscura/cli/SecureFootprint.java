package dev.obscura.cli;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.ring.MemoryBudget;
import java.util.Locale;
import picocli.CommandLine;

/**
 * The off-heap memory that secure inference of {@link MnistCnn} needs, estimated from the model before it starts, and
 * the check of that estimate against the {@link MemoryBudget}: a batch too large for the machine is refused at once
 * with the largest batch that fits, instead of failing part-way (or, without a budget, meeting the OOM killer).
 *
 * <h2>The estimate</h2>
 * For {@code P} parties and a batch of {@code B} images, with {@code A} the largest number of elements any layer
 * holds for one image (found by running the plaintext model on one image: for {@code MnistCnn}, the first
 * convolution's output, 16 x 24 x 24 = 9216, which its ReLU and max-pool then compare):
 * <pre>
 *   bytes = P * 4 MiB + B * (30 P + 8) * A * 8</pre>
 * At the peak (the first ReLU and max-pool) each party holds about 30 ring tensors of that size (the activations its
 * tape keeps, its shares of the comparison's masks and bit planes, the Beaver openings), the dealer thread about 8
 * more (the material it deals ahead), and 4 MiB per party covers the model's shares and small buffers. That is 4.78
 * MiB per image with 2 parties, so a batch of 4096 needs about 19 GiB.
 *
 * <p>Measured: the peak of {@link MemoryBudget#peakInUse()} over three batches (one where marked *) on the native
 * backend, in MiB, with the estimate in brackets. 2 parties: B = 1: 4.9 (12.8), 8: 36.2 (46.2), 16: 63.9 (84.5),
 * 64: 285.6 (314), 128: 554.6 (620), 256: 1077 (1232), 512*: 2089 (2456). 3 parties: B = 64*: 364 (453), 128: 792
 * (894), 256*: 1519 (1776). 4 parties: B = 64*: 499 (592), 128: 1045 (1168), 256*: 1961 (2320). A party adds 1.7 to
 * 2.0 MiB per image (25 to 28 A 8 bytes), the rest is the dealer's; for B of 64 and more the estimate is 10 to 18 %
 * above the measurement. Peak resident memory adds the Java heap and the freed blocks the pool keeps: 470 MB at
 * B = 64 and 2.50 GB at B = 512 (one batch) with 2 parties.
 */
final class SecureFootprint {
    /** Tensors of the largest activation's size that one party holds per image at the peak. */
    static final int PARTY_COPIES = 30;
    /** Tensors of the largest activation's size that the dealer holds per image at the peak. */
    static final int DEALER_COPIES = 8;
    /** The memory of one party that does not grow with the batch. */
    static final long PARTY_FIXED_BYTES = 4L << 20;

    private SecureFootprint() {
    }

    /**
     * The largest number of elements that a layer of {@code model} (or its input) holds for one image of
     * {@code inputShape}, from a plaintext forward pass.
     */
    static long largestActivation(final Sequential<PlainTensor> model, final PlainEngine engine,
                                  final int... inputShape) {
        final int[] one = inputShape.clone();
        one[0] = 1;
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            Variable<PlainTensor> h = tape.input(engine.zeros(one));
            long largest = h.value().numel();
            for (final Module<PlainTensor> layer : model.layers()) {
                h = layer.forward(h);
                largest = Math.max(largest, h.value().numel());
            }
            return largest;
        }
    }

    /** The estimate of the class comment, in bytes, per image. */
    static long bytesPerImage(final int parties, final long largestActivation) {
        return (PARTY_COPIES * (long) parties + DEALER_COPIES) * largestActivation * Long.BYTES;
    }

    /** The estimate of the class comment, in bytes, for a batch. */
    static long bytes(final int batch, final int parties, final long largestActivation) {
        return parties * PARTY_FIXED_BYTES + batch * bytesPerImage(parties, largestActivation);
    }

    /**
     * Refuses (as bad usage, exit status 2) a secure inference of {@code MnistCnn} with batches of {@code batch}
     * images among {@code parties} parties whose estimate exceeds the budget, naming the estimate, the budget, the
     * largest batch that fits and the option that raises the budget.
     */
    static void check(final CommandLine cmd, final int batch, final int parties) {
        final PlainEngine engine = new PlainEngine();
        final long largest = largestActivation(MnistCnn.create(engine, 0), engine, 1, MnistCnn.CHANNELS,
            MnistCnn.SIZE, MnistCnn.SIZE);
        final long need = bytes(batch, parties, largest);
        final long budget = MemoryBudget.limit();
        if (need <= budget) {
            return;
        }
        final long fits = (budget - parties * PARTY_FIXED_BYTES) / bytesPerImage(parties, largest);
        throw new CommandLine.ParameterException(cmd, String.format(Locale.ROOT, "secure inference with --batch %d"
                + " and %d parties needs about %s of off-heap memory (%d x %s per image + %s), above the memory budget"
                + " of %s: %s, or raise the budget with %s SIZE (or -D%s=SIZE)", batch, parties,
            MemoryBudget.format(need), batch, MemoryBudget.format(bytesPerImage(parties, largest)),
            MemoryBudget.format(parties * PARTY_FIXED_BYTES), MemoryBudget.format(budget),
            fits >= 1 ? "use --batch " + fits + " or less" : "no batch fits", MemoryBudget.OPTION,
            MemoryBudget.PROPERTY));
    }
}
