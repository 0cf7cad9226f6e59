package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.Classifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingExampleTest {

    @Test
    void shouldBeWordForWordTheReadmeExample() throws IOException {
        // Maven runs the tests in the module directory; the README is one level up.
        final String readme = Files.readString(Path.of("..", "README.md"));
        final int section = readme.indexOf("## Embedding");
        final int start = readme.indexOf("```java\n", section) + "```java\n".length();
        final String example = readme.substring(start, readme.indexOf("```\n", start));
        final String source = Files.readString(Path.of("src/test/java/dev/obscura/cli/EmbeddingExample.java"));
        assertTrue(section >= 0 && example.startsWith("import "), "README has no embedding example");
        assertEquals(example, source.substring(source.indexOf("import ")),
            "README.md's embedding example and EmbeddingExample.java differ: copy one into the other");
    }

    @Test
    void shouldClassifySecretSharedImagesAsThePlaintextModelDoes(@TempDir final Path dir) {
        final PlainEngine engine = new PlainEngine();
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 7);
        final Path file = dir.resolve("model.obscura");
        ModelFile.save(model, engine, file);
        final int count = 8;
        final float[] images = new float[count * 28 * 28];
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) (random.nextDouble() * 3 - 0.4);
        }
        final int[] expected;
        try (Tape<PlainTensor> tape = new Tape<>(engine)) {
            final PlainTensor logits = model.forward(tape.input(engine.fromFloats(images, count, 1, 28, 28))).value();
            final float[] f = engine.toFloats(logits);
            final double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            expected = Classifier.argmax(d, count);
        }
        final int[] secure = EmbeddingExample.classify(file, images, count);
        assertEquals(count, secure.length);
        int differ = 0;
        for (int i = 0; i < count; i++) {
            differ += secure[i] == expected[i] ? 0 : 1;
        }
        // An untrained model can have near-ties between logits; fixed point may break one the other way.
        assertTrue(differ <= 1, "secure and plaintext predictions differ on " + differ + " of " + count);
    }
}
