package dev.obscura.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The split of the plaintext engine's loops: every iteration once, and a failure in any range reaches the caller. */
class ParallelLoopsTest {

    @Test
    void shouldRunEveryIterationExactlyOnce() {
        for (final int n : new int[] {0, 1, 7, 100, 1023, 65_537}) {
            for (final int grain : new int[] {1, 3, 64, 1 << 20}) {
                final AtomicIntegerArray runs = new AtomicIntegerArray(n);
                ParallelLoops.forRange(n, grain, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        runs.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, runs.get(i), "n=" + n + ", grain=" + grain + ", i=" + i);
                }
            }
        }
    }

    @Test
    void shouldRethrowAFailureOfAnyRange() {
        final IllegalStateException boom = new IllegalStateException("boom");
        for (final int failing : new int[] {0, 99_999}) {
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ParallelLoops.forRange(100_000, 1, (from, to) -> {
                    if (from <= failing && failing < to) {
                        throw boom;
                    }
                }));
            // From a worker, ForkJoinTask.join rethrows a copy of the same type with the original as its cause.
            assertSame(boom, e == boom ? e : e.getCause(), e.toString());
        }
    }
}
