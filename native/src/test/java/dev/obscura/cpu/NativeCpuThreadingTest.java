package dev.obscura.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.backend.JavaBackend;
import dev.obscura.backend.TestTensors;
import dev.obscura.backend.WindowGeometry;
import dev.obscura.backend.WindowLayout;
import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inputs large enough to be split over the pool (the conformance suite's sizes stay on one thread): every kernel on
 * the whole pool must give the bits it gives on one thread, at every SIMD level, and GEMMs that cross every cache
 * block boundary must match the reference. Two Java threads calling at once must share the pool without wrong
 * results or deadlock.
 */
class NativeCpuThreadingTest {
    private static final Conv2dSpec SAME = Conv2dSpec.of(1, 2);
    private static final Conv2dSpec STRIDED = new Conv2dSpec(2, 3, 1, 0);

    private TestTensors data;

    @BeforeEach
    void setUp() {
        NativeTestSupport.assumeLoaded();
        data = new TestTensors(0x7EAD_5L);
    }

    @AfterEach
    void tearDown() {
        if (data != null) {
            data.closeAll();
        }
    }

    @Test
    void shouldGiveTheSameBitsOnThePoolAsOnOneThread() {
        Assumptions.assumeTrue(NativeCpuBackend.poolSize() > 1, "the native pool has one thread here");
        for (final SimdLevel level : NativeCpuBackend.supportedLevels()) {
            final Backend one = NativeCpuBackend.create(level, 1);
            final Backend all = NativeCpuBackend.create(level, NativeCpuBackend.poolSize());
            final String tag = level.label() + ": ";
            final int n = (1 << 18) + 37;
            final RingTensor a = data.random(n);
            final RingTensor b = data.random(n);
            final RingTensor wide = data.random(9, 1000, 33);
            final RingTensor column = data.random(9, 1, 33);
            final RingTensor perChannel = data.random(1000, 1);
            same(tag + "add", one, all, new int[] {n}, (k, out) -> k.add(a, b, out));
            same(tag + "mul", one, all, new int[] {n}, (k, out) -> k.mul(a, b, out));
            same(tag + "xor", one, all, new int[] {n}, (k, out) -> k.xor(a, b, out));
            same(tag + "sub broadcast rows", one, all, new int[] {9, 1000, 33}, (k, out) -> k.sub(wide, column, out));
            same(tag + "mul broadcast channels", one, all, new int[] {9, 1000, 33},
                (k, out) -> k.mul(perChannel, wide, out));
            same(tag + "mulScalar", one, all, new int[] {n}, (k, out) -> k.mulScalar(a, -12345L, out));
            same(tag + "shiftRight", one, all, new int[] {n}, (k, out) -> k.shiftRight(a, 17, out));
            same(tag + "copy", one, all, new int[] {n}, (k, out) -> k.copy(a, out));
            same(tag + "packBits", one, all, new int[] {(n + 63) / 64}, (k, out) -> k.packBits(a, out));
            same(tag + "unpackBits", one, all, new int[] {n},
                (k, out) -> k.unpackBits(a.slice(0, (n + 63) / 64), out));
            same(tag + "toBitPlanes", one, all, new int[] {64, (n + 63) / 64}, (k, out) -> k.toBitPlanes(a, out));
            same(tag + "sum axis 1", one, all, new int[] {9, 33}, (k, out) -> k.sum(wide, 1, out));
            same(tag + "sum last axis", one, all, new int[] {9, 1000}, (k, out) -> k.sum(wide, -1, out));
            same(tag + "aesCtrFill", one, all, new int[] {n},
                (k, out) -> k.aesCtrFill(new byte[16], -1L, -5000L, out));

            final RingTensor m1 = data.random(3, 130, 270);
            final RingTensor m2 = data.random(270, 150);
            final RingTensor m2t = data.random(3, 150, 270);
            same(tag + "matmul batched shared b", one, all, new int[] {3, 130, 150}, (k, out) -> k.matmul(m1, m2, out));
            same(tag + "matmul batched transposeB", one, all, new int[] {3, 130, 150},
                (k, out) -> k.matmul(m1, m2t, out, false, true));
            final RingTensor square = data.random(300, 300);
            same(tag + "matmul transposeA", one, all, new int[] {300, 300},
                (k, out) -> k.matmul(square, square, out, true, false));

            final RingTensor img = data.random(6, 4, 33, 35);
            final RingTensor w = data.random(8, 4, 5, 5);
            final RingTensor gy = data.random(6, 8, 33, 35);
            same(tag + "conv2d", one, all, new int[] {6, 8, 33, 35}, (k, out) -> k.conv2d(img, w, SAME, out));
            same(tag + "conv2dBackwardInput", one, all, new int[] {6, 4, 33, 35},
                (k, out) -> k.conv2dBackwardInput(gy, w, SAME, out));
            final RingTensor one2 = data.random(1, 4, 70, 70);
            final RingTensor gy2 = data.random(1, 8, 70, 70);
            same(tag + "conv2d one image", one, all, new int[] {1, 8, 70, 70},
                (k, out) -> k.conv2d(one2, w, SAME, out));
            same(tag + "conv2dBackwardInput one image", one, all, new int[] {1, 4, 70, 70},
                (k, out) -> k.conv2dBackwardInput(gy2, w, SAME, out));
            same(tag + "conv2dBackwardWeight", one, all, new int[] {8, 4, 5, 5},
                (k, out) -> k.conv2dBackwardWeight(img, gy, SAME, out));

            // Pooling windows over 128 planes of 48 x 48, and overlapping padded windows: several chunks of planes.
            for (final WindowGeometry g : new WindowGeometry[] {
                WindowGeometry.pooling("test", new int[] {8, 16, 48, 48}, 2, 2, 2, 2),
                WindowGeometry.of("test", new int[] {4, 8, 40, 30}, 3, 3, 1, 2, 1, 1)}) {
                final RingTensor pooled = data.random(g.inputShape());
                for (final WindowLayout layout : WindowLayout.values()) {
                    final RingTensor windows = data.random(layout.shape(g));
                    same(tag + "windowGather " + layout + " " + g, one, all, layout.shape(g),
                        (k, out) -> k.windowGather(pooled, g, layout, out));
                    same(tag + "windowScatterAdd " + layout + " " + g, one, all, g.inputShape(),
                        (k, out) -> k.windowScatterAdd(windows, g, layout, out));
                }
            }

            final double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = (data.random().nextDouble() - 0.5) * 1e6;
            }
            same(tag + "encode", one, all, new int[] {n - 3}, (k, out) -> k.encode(values, 3, 16, out));
        }
    }

    @Test
    void shouldMatchReferenceOnGemmsThatCrossEveryBlockBoundary() {
        final Backend reference = new JavaBackend();
        // m > MC (128, 64 for AMX), k > KC (256, 512 for AMX), n > NC (1024, 512 for AMX), none a multiple of the
        // micro-tile; on every GEMM path, on the whole pool and on one thread.
        final RingTensor a = data.random(133, 517);
        final RingTensor b = data.random(517, 1043);
        final RingTensor bt = data.random(1043, 517);
        final RingTensor at = data.random(517, 133);
        final RingTensor img = data.random(2, 33, 9, 9);
        final RingTensor w = data.random(17, 33, 3, 3);
        final RingTensor gy = data.random(2, 17, 5, 3);
        final List<SimdLevel> levels = NativeCpuBackend.supportedLevels();
        final SimdLevel level = levels.get(levels.size() - 1);
        for (final GemmPath path : NativeCpuBackend.supportedGemmPaths()) {
            for (final int threads : new int[] {NativeCpuBackend.poolSize(), 1}) {
                final Backend k = NativeCpuBackend.create(level, path, threads);
                final String tag = path.label() + " on " + threads + " threads";
                same(tag + " matmul", reference, k, new int[] {133, 1043}, (x, out) -> x.matmul(a, b, out));
                same(tag + " matmul transposed", reference, k, new int[] {133, 1043},
                    (x, out) -> x.matmul(at, bt, out, true, true));
                same(tag + " conv2d strided", reference, k, new int[] {2, 17, 5, 3},
                    (x, out) -> x.conv2d(img, w, STRIDED, out));
                same(tag + " conv2dBackwardInput strided", reference, k, new int[] {2, 33, 9, 9},
                    (x, out) -> x.conv2dBackwardInput(gy, w, STRIDED, out));
                same(tag + " conv2dBackwardWeight strided", reference, k, new int[] {17, 33, 3, 3},
                    (x, out) -> x.conv2dBackwardWeight(img, gy, STRIDED, out));
            }
        }
    }

    @Test
    void shouldMatchReferenceWhenPaddingIsWiderThanTheKernel() {
        final Backend reference = new JavaBackend();
        // Whole kernel rows and columns that only ever read padding, strides that skip input columns.
        final Conv2dSpec[] specs = {new Conv2dSpec(3, 2, 4, 3), new Conv2dSpec(1, 4, 2, 5), Conv2dSpec.of(2, 3)};
        final RingTensor img = data.random(3, 2, 3, 4);
        final RingTensor w = data.random(5, 2, 2, 3);
        for (final Conv2dSpec spec : specs) {
            final int oh = spec.outH(3, 2);
            final int ow = spec.outW(4, 3);
            final RingTensor gy = data.random(3, 5, oh, ow);
            for (final SimdLevel level : NativeCpuBackend.supportedLevels()) {
                final Backend k = NativeCpuBackend.create(level, 1);
                final String tag = level.label() + " " + spec;
                same(tag + " conv2d", reference, k, new int[] {3, 5, oh, ow}, (x, out) -> x.conv2d(img, w, spec, out));
                same(tag + " conv2dBackwardInput", reference, k, new int[] {3, 2, 3, 4},
                    (x, out) -> x.conv2dBackwardInput(gy, w, spec, out));
                same(tag + " conv2dBackwardWeight", reference, k, new int[] {5, 2, 2, 3},
                    (x, out) -> x.conv2dBackwardWeight(img, gy, spec, out));
            }
        }
    }

    @Test
    void shouldServeTwoCallersAtOnceWithoutWrongResultsOrDeadlock() throws Exception {
        final Backend backend = NativeCpuBackend.create();
        final Backend single = NativeCpuBackend.create(NativeCpuBackend.create().level(), 1);
        final int parties = 2;
        final List<RingTensor[]> inputs = new ArrayList<>();
        final List<RingTensor[]> expected = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            final RingTensor x = data.random(256, 256);
            final RingTensor y = data.random(256, 256);
            final RingTensor u = data.random(1 << 20);
            final RingTensor v = data.random(1 << 20);
            final RingTensor mm = data.zeros(256, 256);
            final RingTensor sum = data.zeros(1 << 20);
            single.matmul(x, y, mm);
            single.add(u, v, sum);
            inputs.add(new RingTensor[] {x, y, u, v});
            expected.add(new RingTensor[] {mm, sum});
        }
        final ExecutorService pool = Executors.newFixedThreadPool(parties);
        try {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int p = 0; p < parties; p++) {
                final RingTensor[] in = inputs.get(p);
                final RingTensor[] want = expected.get(p);
                results.add(pool.submit(() -> {
                    try (RingTensor mm = RingTensor.zeros(256, 256); RingTensor sum = RingTensor.zeros(1 << 20)) {
                        start.await();
                        int wrong = 0;
                        for (int iter = 0; iter < 40; iter++) {
                            mm.fill(iter);
                            sum.fill(iter);
                            backend.matmul(in[0], in[1], mm);
                            backend.add(in[2], in[3], sum);
                            wrong += mm.contentEquals(want[0]) ? 0 : 1;
                            wrong += sum.contentEquals(want[1]) ? 0 : 1;
                        }
                        return wrong;
                    }
                }));
            }
            start.countDown();
            for (final Future<Integer> r : results) {
                assertEquals(0, r.get(60, TimeUnit.SECONDS), "wrong results from a concurrent caller");
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private void same(final String what, final Backend expected, final Backend actual, final int[] shape,
                      final BiConsumer<Backend, RingTensor> kernel) {
        final RingTensor want = data.zeros(shape);
        final RingTensor got = data.random(shape);
        kernel.accept(expected, want);
        kernel.accept(actual, got);
        data.assertBits(what + " (" + actual.description() + " vs " + expected.description() + ")", want, got);
    }
}
