package dev.obscura.nn.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Splits the plaintext engine's loops over the cores, as PyTorch's CPU kernels do over OpenMP threads: a loop over
 * {@code [0, n)} whose iterations write disjoint outputs runs as a few ranges, all but the first forked to the common
 * fork-join pool and the first on the calling thread, which then joins (and runs any range no worker took). Every
 * element is computed as in the sequential loop, so the results do not depend on the split.
 *
 * <p>The GEMMs between the loops are split the same way ({@code CoreSplitGemm}); the OpenBLAS GEMM keeps OpenBLAS on
 * one thread, whose idle workers would otherwise spin on the cores these loops use.
 */
final class ParallelLoops {
    /** A loop body over the iterations {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** The most ranges a loop is split into: one per core. */
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private ParallelLoops() {
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into at most one range per core and at least {@code grain}
     * iterations per range (so a short loop stays on the calling thread, where waking a worker would cost more).
     */
    static void forRange(final int n, final int grain, final Range body) {
        final int ranges = (int) Math.min(THREADS, n / Math.max(1L, grain));
        if (ranges <= 1 || ForkJoinPool.getCommonPoolParallelism() < 1) {
            body.run(0, n);
            return;
        }
        final ForkJoinTask<?>[] forked = new ForkJoinTask<?>[ranges - 1];
        for (int r = 1; r < ranges; r++) {
            final int from = (int) ((long) n * r / ranges);
            final int to = (int) ((long) n * (r + 1) / ranges);
            forked[r - 1] = ForkJoinTask.adapt(() -> body.run(from, to)).fork();
        }
        RuntimeException failure = null;
        try {
            body.run(0, (int) ((long) n / ranges));
        } catch (final RuntimeException e) {
            failure = e;
        }
        for (final ForkJoinTask<?> task : forked) {
            try {
                task.join();
            } catch (final RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
