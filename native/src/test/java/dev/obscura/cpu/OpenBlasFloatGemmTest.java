package dev.obscura.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.nn.FloatGemm;
import dev.obscura.nn.FloatGemmConformanceTest;
import dev.obscura.nn.FloatGemms;
import dev.obscura.nn.JavaFloatGemm;
import dev.obscura.nn.PlainEngine;
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
}
