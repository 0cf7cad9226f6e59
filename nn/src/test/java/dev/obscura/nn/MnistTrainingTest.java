package dev.obscura.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistFilesOrSkip;
import dev.obscura.data.MnistSplit;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.Loss;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.optim.Sgd;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A short plaintext training of {@link MnistCnn} on the first 1,000 training images (2 epochs, batch 32, SGD with
 * momentum 0.9), evaluated on the first 1,000 test images: it must reach at least 80% (chance is 10%). The files are
 * found as the {@code obscura} command finds them ({@link MnistFilesOrSkip}), so from any checkout with the data
 * beside it; skipped when they are not found.
 */
class MnistTrainingTest {
    private static final int TRAIN = 1_000;
    private static final int TEST = 1_000;
    private static final int BATCH = 32;
    private static final int EPOCHS = 2;

    @Test
    void shouldLearnMnistFromAThousandImagesInSeconds() {
        final MnistData data = Mnist.load(MnistFilesOrSkip.locate(), TRAIN, TEST);
        final MnistSplit train = data.train();
        final MnistSplit test = data.test();
        final PlainEngine engine = new PlainEngine();
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 1);
        final Sgd<PlainTensor> sgd = new Sgd<>(engine, model.parameters(), 0.05f, 0.9f, 5e-4f);

        final long start = System.nanoTime();
        final int[] order = new int[train.count()];
        final SplittableRandom shuffle = new SplittableRandom(2);
        final float[] images = new float[BATCH * MnistSplit.PIXELS];
        final int[] labels = new int[BATCH];
        double lastLoss = Double.NaN;
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                final int j = shuffle.nextInt(i + 1);
                final int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0; from + BATCH <= order.length; from += BATCH) {
                train.copyBatch(order, from, BATCH, images, labels);
                try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                    final Variable<PlainTensor> logits =
                        model.forward(tape.input(new PlainTensor(images, BATCH, 1, 28, 28)));
                    final Loss<PlainTensor> loss = SoftmaxCrossEntropy.of(logits, labels);
                    lastLoss = loss.value();
                    loss.backward();
                    sgd.step();
                }
            }
        }
        final long trained = System.nanoTime();

        final int evalBatch = 100;
        final float[] evalImages = new float[evalBatch * MnistSplit.PIXELS];
        final int[] evalLabels = new int[evalBatch];
        int correct = 0;
        for (int from = 0; from < test.count(); from += evalBatch) {
            test.copyBatch(from, evalBatch, evalImages, evalLabels);
            try (Tape<PlainTensor> tape = new Tape<>(engine)) {
                final float[] logits =
                    model.forward(tape.input(new PlainTensor(evalImages, evalBatch, 1, 28, 28))).value().data();
                for (int i = 0; i < evalBatch; i++) {
                    int best = 0;
                    for (int k = 1; k < 10; k++) {
                        if (logits[i * 10 + k] > logits[i * 10 + best]) {
                            best = k;
                        }
                    }
                    correct += best == evalLabels[i] ? 1 : 0;
                }
            }
        }
        final long end = System.nanoTime();
        final double accuracy = correct / (double) test.count();
        System.out.printf("MnistCnn plaintext: %d images x %d epochs in %.2f s, eval %d in %.2f s, last loss %.4f,"
                + " test accuracy %.1f%%%n", TRAIN, EPOCHS, (trained - start) / 1e9, test.count(),
            (end - trained) / 1e9, lastLoss, 100 * accuracy);
        assertTrue(accuracy >= 0.80, "accuracy=" + accuracy);
    }
}
