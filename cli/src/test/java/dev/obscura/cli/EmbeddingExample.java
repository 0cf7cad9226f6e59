package dev.obscura.cli;

// The embedding example of README.md, word for word below the package line: EmbeddingExampleTest compiles and
// runs it so that the README stays true. Keep the two in step.
import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.protocols.LocalParties;
import java.nio.file.Path;
import java.util.List;

final class EmbeddingExample {
    private EmbeddingExample() {
    }

    /**
     * Classifies {@code count} 28x28 images, normalised like the training data ({@code MnistSplit.normalise} of
     * each pixel 0..255). Party 0 owns the model, party 1 the images and, alone, the answers.
     */
    static int[] classify(Path modelFile, float[] images, int count) {
        ModelData weights = ModelFile.read(modelFile); // checked: format, checksum, shapes
        List<int[]> answers = LocalParties.builder().parties(2).build().run(ops -> {
            int me = ops.session().partyId();
            SecureEngine modelOwner = new SecureEngine(ops, 0);
            SecureEngine dataOwner = new SecureEngine(ops, 1);
            Sequential<SecretTensor> model = MnistCnn.create(modelOwner, 0);
            ModelBinding.apply(me == 0 ? weights : ModelBinding.placeholder(model, modelOwner), model, modelOwner);
            SecretTensor x = dataOwner.fromFloats(me == 1 ? images : new float[images.length], count, 1, 28, 28);
            try (Tape<SecretTensor> tape = new Tape<>(dataOwner)) { // frees the intermediate shares
                double[] logits = ops.revealTo(1, model.forward(tape.input(x)).value()); // null at party 0
                return logits == null ? null : argmaxRows(logits, 10);
            } finally {
                dataOwner.release(x);
                model.parameters().forEach(p -> modelOwner.release(p.value()));
            }
        });
        return answers.get(1);
    }

    static int[] argmaxRows(double[] logits, int classes) {
        int[] out = new int[logits.length / classes];
        for (int i = 0; i < out.length; i++) {
            for (int k = 1; k < classes; k++) {
                out[i] = logits[i * classes + k] > logits[i * classes + out[i]] ? k : out[i];
            }
        }
        return out;
    }
}
