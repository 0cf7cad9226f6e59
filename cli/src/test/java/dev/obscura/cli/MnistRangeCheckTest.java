package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plaintext range check before a secure pass (issue 10): a model whose convolution weights are scaled by 1e7 gave
 * "Predictions that differ: 6 of 8" and exit 0. Now the secure pass is refused, naming the layer and never a value,
 * unless {@code --allow-out-of-range} asks for it, which then warns.
 */
class MnistRangeCheckTest {
    @TempDir
    static Path dir;

    private static Path data;
    private static Path scaled;
    private static Path normal;

    @BeforeAll
    static void files() {
        data = SyntheticMnist.write(dir.resolve("mnist"), 16, 8);
        final PlainEngine engine = new PlainEngine();
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 7);
        normal = dir.resolve("normal.obscura");
        ModelFile.save(model, engine, normal);
        for (final int conv : new int[] {0, 2}) {
            final float[] w = model.parameters().get(conv).value().data();
            for (int i = 0; i < w.length; i++) {
                w[i] *= 1e7f;
            }
        }
        scaled = dir.resolve("scaled.obscura");
        ModelFile.save(model, engine, scaled);
    }

    private static final Pattern OUT_OF_RANGE = Pattern.compile(
        "obscura: secure run refused: layer \\d+ \\(Conv2d\\) forms sums of products of magnitude 2\\^30 or more,"
            + " beyond what a secure product truncates exactly at 16 fractional bits \\(and \\d+ more layers after"
            + " it\\); a secure run would give wrong results without an error\\. Scale the weights or inputs down,"
            + " or pass --allow-out-of-range to run it anyway\n");

    @Test
    void shouldRefuseSecureInferenceOfAModelOutOfRangeNamingTheLayer() {
        final CommandRun r = CommandRun.of("mnist", "infer", "--secure", "--limit", "8", "--model", scaled.toString(),
            "--data", data.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(OUT_OF_RANGE.matcher(r.err()).matches(), r.err());
        assertTrue(Pattern.compile("plaintext \\(GEMM \\w+\\) +\\d+\\.\\d\\d%").matcher(r.out()).find(), r.out());
        assertFalse(r.out().contains("Secure inference:"), "refused before the secure pass: " + r.out());
    }

    @Test
    void shouldRunAndWarnWhenAllowed() {
        final CommandRun r = CommandRun.of("mnist", "infer", "--secure", "--allow-out-of-range", "--limit", "8",
            "--model", scaled.toString(), "--data", data.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.compile("(?m)^warning: layer \\d+ \\(Conv2d\\) forms sums of products of magnitude 2\\^30"
            + " or more, .*; the secure results may be wrong \\(--allow-out-of-range\\)$").matcher(r.out()).find(),
            r.out());
        assertTrue(r.out().contains("Predictions that differ between plaintext and secure: "), r.out());
    }

    @Test
    void shouldSayWhenEveryLayerIsInRange() {
        final CommandRun r = CommandRun.of("mnist", "infer", "--secure", "--limit", "8", "--model", normal.toString(),
            "--data", data.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Range check (plaintext, 8 test images): all layers within the secure range at"
            + " f=16\n"), r.out());
    }

    @Test
    void shouldRefuseSecureTrainingFromAnInitialModelOutOfRange() {
        final Path never = dir.resolve("never.obscura");
        final CommandRun r = CommandRun.of("mnist", "train", "--secure", "--init", scaled.toString(), "--limit", "16",
            "--test-limit", "8", "--batch", "8", "--model", never.toString(), "--data", data.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(OUT_OF_RANGE.matcher(r.err()).matches(), r.err());
        assertFalse(never.toFile().exists());
    }

    @Test
    void shouldTakeTheFlagOnlyWithSecure() {
        final CommandRun r = CommandRun.of("mnist", "infer", "--allow-out-of-range", "--model", normal.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("obscura: --allow-out-of-range applies only with --secure"), r.err());
    }
}
