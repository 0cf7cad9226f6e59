package dev.obscura.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.backend.FloatGemm;
import dev.obscura.backend.FloatGemmConformanceTest;
import dev.obscura.backend.FloatGemms;
import dev.obscura.backend.JavaFloatGemm;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.loss.Loss;
import dev.obscura.nn.loss.SoftmaxCrossEntropy;
import dev.obscura.nn.models.MnistCnn;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The OpenBLAS GEMM through the shared GEMM checks, plus a product large enough for OpenBLAS's threaded path, and
 * discovery: with this module on the class path a plain engine uses OpenBLAS.
 */
class OpenBlasFloatGemmTest extends FloatGemmConformanceTest {

    @Override
    protected FloatGemm gemm() {
        NativeTestSupport.assumeLoaded();
        final var reason = OpenBlasFloatGemm.unavailableReason();
        if (reason.isPresent()) {
            if (NativeTestSupport.required()) {
                fail("OpenBLAS GEMM unavailable: " + reason.get());
            }
            Assumptions.abort("OpenBLAS GEMM unavailable: " + reason.get());
        }
        return new OpenBlasFloatGemmProvider().create();
    }

    @Test
    void shouldBeTheDefaultGemmOfPlainEngines() {
        gemm();
        assertEquals(OpenBlasFloatGemm.NAME, new PlainEngine().gemmName());
        assertEquals(OpenBlasFloatGemm.NAME, FloatGemms.providers().get(0).name());
    }

    @Test
    void shouldAgreeWithTheJavaGemmOnALargeThreadedProduct() {
        final FloatGemm openBlas = gemm();
        // The shape of MnistCnn's first fully connected layer's weight gradient at batch 64: [800, 64] x [64, 500].
        final int m = 800;
        final int n = 500;
        final int k = 64;
        final SplittableRandom random = new SplittableRandom(7);
        final float[] a = new float[k * m];
        final float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        final float[] expected = new float[m * n];
        final float[] actual = new float[m * n];
        new JavaFloatGemm().gemm(true, false, m, n, k, a, 0, m, b, 0, n, expected, 0, n, false);
        openBlas.gemm(true, false, m, n, k, a, 0, m, b, 0, n, actual, 0, n, false);
        for (int i = 0; i < actual.length; i++) {
            // Each entry is a sum of 64 products of unit Gaussians: |sum| <= ~64*16; two float orders differ by less.
            assertTrue(Math.abs(actual[i] - expected[i]) <= 1e-3f, "entry " + i + ": " + actual[i] + " vs "
                + expected[i]);
        }
    }

    @Test
    void shouldGiveTheJavaGemmsLossAndGradientsOnAMnistCnnStep() {
        final PlainEngine openBlas = new PlainEngine(gemm());
        final PlainEngine java = new PlainEngine(new JavaFloatGemm());
        final SplittableRandom random = new SplittableRandom(3);
        final int batch = 16;
        final float[] images = new float[batch * 28 * 28];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) (random.nextDouble() * 3 - 0.4);
        }
        final int[] labels = random.ints(batch, 0, 10).toArray();
        final double[] losses = new double[2];
        final List<List<float[]>> grads = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
        final PlainEngine[] engines = {java, openBlas};
        for (int k = 0; k < 2; k++) {
            final PlainEngine e = engines[k];
            final Sequential<PlainTensor> model = MnistCnn.create(e, 5);
            try (Tape<PlainTensor> tape = new Tape<>(e)) {
                final Loss<PlainTensor> loss = SoftmaxCrossEntropy.of(
                    model.forward(tape.input(e.fromFloats(images, batch, 1, 28, 28))), labels);
                losses[k] = loss.value();
                loss.backward();
                for (final Variable<PlainTensor> p : model.parameters()) {
                    grads.get(k).add(e.toFloats(p.grad()));
                }
            }
        }
        // The two GEMMs add in different orders: float rounding, a few ulps of each sum (the loss is about 2.3,
        // the gradients below 1), so 1e-5 absolute is far above it and far below any real difference.
        assertEquals(losses[0], losses[1], 1e-5, "loss");
        double worst = 0;
        for (int i = 0; i < grads.get(0).size(); i++) {
            final float[] a = grads.get(0).get(i);
            final float[] b = grads.get(1).get(i);
            for (int j = 0; j < a.length; j++) {
                worst = Math.max(worst, Math.abs(a[j] - b[j]));
            }
        }
        System.out.printf("OpenBLAS vs Java GEMM on a MnistCnn step: loss %.9f vs %.9f, largest gradient difference"
            + " %.3g%n", losses[1], losses[0], worst);
        assertTrue(worst <= 1e-5, "largest gradient difference " + worst);
    }
}
