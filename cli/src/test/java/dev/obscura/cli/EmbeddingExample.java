package dev.obscura.cli;

// The embedding example of README.md, word for word below the package line: EmbeddingExampleTest compiles and
// runs it so that the README stays true. Keep the two in step.
import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.Classifier;
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
            // The logits are opened to party 1 only; party 0 passes zeros for the images and gets null.
            Classifier<SecretTensor> classifier = new Classifier<>(model, dataOwner, Reveal.toParty(ops, 1));
            try {
                return classifier.predict(me == 1 ? images : new float[images.length], count, 1, 28, 28);
            } finally {
                model.parameters().forEach(p -> modelOwner.release(p.value()));
            }
        });
        return answers.get(1);
    }
}
