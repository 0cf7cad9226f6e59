package dev.obscura.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The plaintext {@code float} twins of {@link SecureOpsBenchmark}'s workloads, in the same run: matrix products by
 * OpenBLAS SGEMM (on every core, as a user would run it), the elementwise product, ReLU and 2 x 2 max-pooling (with
 * the argmax indices, as the secure version computes its mask) as loops that C2 vectorises.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.BOUNDS_CHECKS_OFF, ForkFlags.OPEN_MISC, ForkFlags.OPEN_NIO})
@State(Scope.Benchmark)
public class PlaintextTwinBenchmark {
    /** The workload (see {@link SecureWorkload}). */
    @Param({"matmul-256", "matmul-512", "mul-2^20", "relu-2^20", "maxpool-64x16x24x24"})
    public String workload;

    private SecureWorkload work;
    private float[] x;
    private float[] y;
    private float[] out;
    private int[] argmax;
    private FloatPointer px;
    private FloatPointer py;
    private FloatPointer pout;

    @Setup
    public void setup() {
        work = SecureWorkload.byLabel(workload);
        final SplittableRandom random = new SplittableRandom(7);
        x = ElementwiseBenchmark.randomFloats(random, numel(work.shapeX));
        y = work.shapeY == null ? null : ElementwiseBenchmark.randomFloats(random, numel(work.shapeY));
        switch (work) {
            case MATMUL_256, MATMUL_512 -> {
                openblas_nolapack.blas_set_num_threads(Runtime.getRuntime().availableProcessors());
                px = new FloatPointer(x);
                py = new FloatPointer(y);
                pout = new FloatPointer((long) work.shapeX[0] * work.shapeY[1]);
            }
            case MAXPOOL_2X2 -> {
                final int[] s = work.shapeX;
                out = new float[s[0] * s[1] * (s[2] / 2) * (s[3] / 2)];
                argmax = new int[out.length];
            }
            default -> out = new float[x.length];
        }
    }

    @TearDown
    public void tearDown() {
        if (px != null) {
            px.close();
            py.close();
            pout.close();
        }
    }

    /** The workload in plaintext. */
    @Benchmark
    public Object plaintext() {
        switch (work) {
            case MATMUL_256, MATMUL_512 -> {
                final int n = work.shapeX[0];
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans, n, n, n, 1.0f, px, n, py, n, 0.0f, pout, n);
                return pout;
            }
            case MUL_2_20 -> {
                for (int i = 0; i < x.length; i++) {
                    out[i] = x[i] * y[i];
                }
                return out;
            }
            case RELU_2_20 -> {
                for (int i = 0; i < x.length; i++) {
                    out[i] = Math.max(x[i], 0f);
                }
                return out;
            }
            case MAXPOOL_2X2 -> {
                maxPool2x2(work.shapeX, x, out, argmax);
                return out;
            }
            default -> throw new IllegalStateException(workload);
        }
    }

    /** 2 x 2 max-pooling with stride 2 over [N, C, H, W], recording the flat window position of each maximum. */
    private static void maxPool2x2(final int[] s, final float[] in, final float[] out, final int[] argmax) {
        final int planes = s[0] * s[1];
        final int h = s[2];
        final int w = s[3];
        final int oh = h / 2;
        final int ow = w / 2;
        for (int p = 0; p < planes; p++) {
            final int base = p * h * w;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    final int top = base + 2 * i * w + 2 * j;
                    int best = 0;
                    float max = in[top];
                    if (in[top + 1] > max) {
                        max = in[top + 1];
                        best = 1;
                    }
                    if (in[top + w] > max) {
                        max = in[top + w];
                        best = 2;
                    }
                    if (in[top + w + 1] > max) {
                        max = in[top + w + 1];
                        best = 3;
                    }
                    final int o = (p * oh + i) * ow + j;
                    out[o] = max;
                    argmax[o] = best;
                }
            }
        }
    }

    private static int numel(final int[] shape) {
        int n = 1;
        for (final int d : shape) {
            n *= d;
        }
        return n;
    }
}
