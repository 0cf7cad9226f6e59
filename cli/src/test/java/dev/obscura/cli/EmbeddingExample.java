package dev.obscura.cli;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.MnistCnn;
import dev.obscura.nn.ModelFile;
import dev.obscura.nn.SecureEngine;
import dev.obscura.nn.Sequential;
import dev.obscura.nn.Tape;
import dev.obscura.protocols.LocalParties;
import java.nio.file.Path;
import java.util.List;

/** The embedding example of README.md, compiled and run by {@link EmbeddingExampleTest} so that it stays true. */
final class EmbeddingExample {
    private EmbeddingExample() {
    }

    /** Classifies {@code count} 28x28 images; party 0 owns the model, party 1 the images and the answers. */
    static int[] classify(final Path modelFile, final float[] images, final int count) {
        final ModelFile.ModelData weights = ModelFile.read(modelFile);
        final List<int[]> answers = LocalParties.builder().parties(2).build().run(ops -> {
            final int me = ops.session().partyId();
            final SecureEngine modelOwner = new SecureEngine(ops, 0);
            final SecureEngine dataOwner = new SecureEngine(ops, 1);
            final Sequential<SecretTensor> model = MnistCnn.create(modelOwner, 0);
            ModelFile.apply(me == 0 ? weights : ModelFile.placeholder(model, modelOwner), model, modelOwner);
            try (Tape<SecretTensor> tape = new Tape<>(dataOwner)) {
                final SecretTensor x = dataOwner.fromFloats(me == 1 ? images : new float[images.length],
                    count, 1, 28, 28);
                final double[] logits = ops.revealTo(1, model.forward(tape.input(x)).value());
                return logits == null ? null : argmaxRows(logits, 10);
            }
        });
        return answers.get(1);
    }

    static int[] argmaxRows(final double[] logits, final int classes) {
        final int[] out = new int[logits.length / classes];
        for (int i = 0; i < out.length; i++) {
            for (int k = 1; k < classes; k++) {
                if (logits[i * classes + k] > logits[i * classes + out[i]]) {
                    out[i] = k;
                }
            }
        }
        return out;
    }
}
