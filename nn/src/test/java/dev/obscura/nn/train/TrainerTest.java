package dev.obscura.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.LabelledImages;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Trainer}, {@link EpochOrder} and {@link Classifier} on {@link PlainEngine}, against hand-written loops. */
class TrainerTest {
    private static final int COUNT = 20;
    private static final int BATCH = 8;
    private final PlainEngine engine = new PlainEngine();

    static LabelledImages images(final long seed, final int count) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] x = new float[count * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 3 - 0.4);
        }
        return LabelledImages.of(x, random.ints(count, 0, 10).toArray(), 1, 28, 28);
    }

    private static List<float[]> weights(final Sequential<PlainTensor> model) {
        final List<float[]> out = new ArrayList<>();
        for (final Variable<PlainTensor> p : model.parameters()) {
            out.add(p.value().data().clone());
        }
        return out;
    }

    /** The loop as the command wrote it before the trainer existed: the reference for "same results". */
    private List<float[]> handWrittenTwoEpochs(final LabelledImages data, final double[] losses) {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 5);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.05f, 0.9f, 5e-4f);
        final int[] order = new int[COUNT];
        for (int i = 0; i < COUNT; i++) {
            order[i] = i;
        }
        final Random shuffle = new Random(42);
        final float[] images = new float[BATCH * 784];
        final int[] labels = new int[BATCH];
        for (int epoch = 0; epoch < 2; epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                final int j = shuffle.nextInt(i + 1);
                final int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double lossSum = 0;
            for (int from = 0; from < COUNT; from += BATCH) {
                final int b = Math.min(BATCH, COUNT - from);
                data.copyBatch(order, from, b, images, labels);
                final int[] batchLabels = Arrays.copyOf(labels, b);
                try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                    final Variable<PlainTensor> logits = model.forward(tape.input(
                        engine.fromFloats(Arrays.copyOf(images, b * 784), b, 1, 28, 28)));
                    final float[] f = engine.toFloats(logits.value());
                    final double[] d = new double[f.length];
                    for (int i = 0; i < f.length; i++) {
                        d[i] = f[i];
                    }
                    lossSum += SoftmaxCrossEntropy.meanLoss(d, batchLabels, 10) * b;
                    SoftmaxCrossEntropy.of(logits, batchLabels).backward();
                    sgd.step();
                }
            }
            losses[epoch] = lossSum / COUNT;
        }
        return weights(model);
    }

    @Test
    void shouldTrainExactlyAsTheHandWrittenLoop() {
        final LabelledImages data = images(1, COUNT);
        final double[] expectedLosses = new double[2];
        final List<float[]> expected = handWrittenTwoEpochs(data, expectedLosses);

        final Sequential<PlainTensor> model = MnistCnn.create(engine, 5);
        final Trainer<PlainTensor> trainer = new Trainer<>(model, engine,
            new Sgd<>(engine, model.parameters(), 0.05f, 0.9f, 5e-4f), Reveal.toAll(engine));
        final EpochOrder order = new EpochOrder(COUNT, 42);
        final List<Integer> batches = new ArrayList<>();
        for (int epoch = 0; epoch < 2; epoch++) {
            batches.clear();
            final Trainer.Epoch e = trainer.epoch(data, order.next(), BATCH, (n, loss) -> {
                batches.add(n);
                assertTrue(Double.isFinite(loss));
            });
            assertTrue(e.revealed());
            assertEquals(COUNT, e.images());
            assertEquals(expectedLosses[epoch], e.meanLoss(), 0.0, "epoch " + epoch);
            assertTrue(e.correct() >= 0 && e.correct() <= COUNT);
        }
        assertEquals(List.of(8, 8, 4), batches);
        final List<float[]> actual = weights(model);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
        }
    }

    @Test
    void shouldOpenNothingWithRevealNone() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 5);
        final Trainer<PlainTensor> trainer = new Trainer<>(model, engine,
            new Sgd<>(engine, model.parameters(), 0.05f, 0.9f), Reveal.none());
        final List<Double> losses = new ArrayList<>();
        final Trainer.Epoch e = trainer.epoch(images(2, 10), new EpochOrder(10, 1).next(), 4,
            (n, loss) -> losses.add(loss));
        assertFalse(e.revealed());
        assertTrue(Double.isNaN(e.meanLoss()));
        assertEquals(3, losses.size());
        assertTrue(losses.stream().allMatch(l -> Double.isNaN(l)), losses.toString());
        final float[] before = model.parameters().get(0).value().data().clone();
        assertNull(trainer.step(engine.fromFloats(new float[784], 1, 1, 28, 28), new int[] {3}));
        assertFalse(Arrays.equals(before, model.parameters().get(0).value().data()), "the step still trains");
    }

    @Test
    void shouldShuffleEachEpochFromThePreviousOrderWithOneSeed() {
        final EpochOrder a = new EpochOrder(50, 7);
        final EpochOrder b = new EpochOrder(50, 7);
        final int[] first = a.next().clone();
        assertArrayEquals(first, b.next());
        final int[] second = a.next().clone();
        assertFalse(Arrays.equals(first, second));
        final int[] sorted = second.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> new EpochOrder(-1, 0));
    }

    @Test
    void shouldPredictInBatchesAsOneBatchDoes() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 9);
        final LabelledImages data = images(3, 13);
        final float[] all = new float[13 * 784];
        data.copyBatch(0, 13, all, new int[13]);
        final Classifier<PlainTensor> classifier = new Classifier<>(model, engine, Reveal.toAll(engine));
        final int[] whole = classifier.predict(all, 13, 1, 28, 28);
        final List<Integer> batches = new ArrayList<>();
        assertArrayEquals(whole, classifier.predict(data, 5, (n, loss) -> batches.add(n)));
        assertEquals(List.of(5, 5, 3), batches);
        assertNull(new Classifier<>(model, engine, Reveal.<PlainTensor>none()).predict(data, 5, BatchListener.NONE));
        final int[] withheld = classifier.predict(LabelledImages.withheld(13, 1, 28, 28), 64, BatchListener.NONE);
        assertEquals(13, withheld.length);
        assertTrue(Arrays.stream(withheld).allMatch(p -> p == withheld[0]), "zero images all look alike");
    }

    @Test
    void shouldTakeTheFirstLargestLogitOnATie() {
        assertArrayEquals(new int[] {1, 0, 2}, Classifier.argmax(new double[] {0, 2, 2, 5, 5, 5, -1, -1, 0}, 3));
        assertEquals(2, Classifier.correct(new double[] {0, 2, 2, 5, 5, 5, -1, -1, 0}, new int[] {1, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Classifier.argmax(new double[5], 2));
    }
}
