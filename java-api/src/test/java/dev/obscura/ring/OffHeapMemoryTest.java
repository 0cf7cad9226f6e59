package dev.obscura.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The pool rule of {@link OffHeapMemory}: an uninitialised tensor holds zeros or what its own thread wrote, never
 * another thread's (another in-process party's) data.
 */
class OffHeapMemoryTest {
    private static final long SECRET = 0x5EC2E75EC2E75EC2L;
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Each test its own size class (2^c bytes, 2^(c - 3) elements), so pooled blocks of one never serve another. */
    private static int[] shapeOfClass(final int sizeClass) {
        return new int[] {1 << (sizeClass - 3)};
    }

    private static long address(final RingTensor t) {
        return t.buffer().addressOffset();
    }

    private static void assertAllZero(final RingTensor t, final String what) {
        for (long i = 0; i < t.numel(); i++) {
            if (t.get(i) != 0) {
                fail(what + ": element " + i + " is not zero");
            }
        }
    }

    private static void runOnThread(final String name, final Runnable body) throws Exception {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        t.start();
        t.join(WAIT.toMillis());
        assertFalse(t.isAlive(), name + " did not finish");
        if (failure.get() != null) {
            throw new AssertionError(name + " failed", failure.get());
        }
    }

    @Test
    void shouldGiveAnotherThreadZerosWhereOneThreadFilledAndFreed() throws Exception {
        // A size class that no other test uses: party 0's freed block is the only pooled one, and party 1, finding
        // none in its own pool or the shared one, takes it from party 0's pool, zeroed.
        final int[] shape = shapeOfClass(24);
        final CountDownLatch freed = new CountDownLatch(1);
        final CountDownLatch checked = new CountDownLatch(1);
        final AtomicLong partyZeroBlock = new AtomicLong();
        final Thread partyZero = new Thread(() -> {
            try (RingTensor share = RingTensor.uninitialized(shape)) {
                share.fill(SECRET);
                partyZeroBlock.set(address(share));
            }
            freed.countDown();
            try {
                checked.await(WAIT.toMillis(), TimeUnit.MILLISECONDS); // stay alive: its pool must not be retired
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "party-0");
        partyZero.start();
        try {
            assertTrue(freed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            runOnThread("party-1", () -> {
                try (RingTensor mine = RingTensor.uninitialized(shape)) {
                    assertEquals(partyZeroBlock.get(), address(mine), "taken from party 0's pool");
                    assertAllZero(mine, "party 0's block, taken by party 1");
                }
                for (int i = 0; i < 3; i++) {
                    try (RingTensor mine = RingTensor.uninitialized(shape)) {
                        assertAllZero(mine, "party 1's uninitialised tensor");
                    }
                }
            });
        } finally {
            checked.countDown();
            partyZero.join(WAIT.toMillis());
        }
    }

    @Test
    void shouldZeroABlockFreedOnAnotherThreadBeforeAnyoneReusesIt() throws Exception {
        final int[] shape = shapeOfClass(19);
        final AtomicReference<RingTensor> handed = new AtomicReference<>();
        runOnThread("party-0", () -> {
            // Just over half the block: the second user reaches bytes that the first never touched.
            final RingTensor share = RingTensor.uninitialized(shape[0] / 2 + 1);
            share.fill(SECRET);
            handed.set(share);
        });
        final long block = address(handed.get());
        handed.get().close(); // freed on this thread, not its owner's: zeroed into the shared pool
        runOnThread("party-1", () -> {
            try (RingTensor mine = RingTensor.uninitialized(shape)) {
                assertEquals(block, address(mine), "the shared pool hands out the zeroed block");
                assertAllZero(mine, "a block freed across threads");
            }
        });
    }

    @Test
    void shouldReuseTheThreadsOwnBlockWithoutZeroingItForUninitialisedAndZeroItForZeros() {
        final int[] shape = shapeOfClass(18);
        final long block;
        try (RingTensor t = RingTensor.uninitialized(shape)) {
            t.fill(SECRET);
            block = address(t);
        }
        try (RingTensor again = RingTensor.uninitialized(shape)) {
            assertEquals(block, address(again), "the thread's own pool");
            assertEquals(SECRET, again.get(again.numel() - 1), "no pass over memory for an uninitialised tensor");
            again.fill(SECRET);
        }
        try (RingTensor zeros = RingTensor.zeros(shape)) {
            assertEquals(block, address(zeros));
            assertAllZero(zeros, "zeros from the thread's own pool");
        }
    }

    @Test
    void shouldZeroAnEndedThreadsPooledBlocksBeforeOtherThreadsGetThem() throws Exception {
        final int[] shape = shapeOfClass(17);
        final AtomicLong block = new AtomicLong();
        runOnThread("party-0", () -> {
            try (RingTensor share = RingTensor.uninitialized(shape)) {
                share.fill(SECRET);
                block.set(address(share));
            }
        });
        // The ended thread's pool is retired by the cleaner once the collector finds it unreachable. Each try runs
        // on a new thread (whose own pool is empty) and leaves its block open, so that the next try takes another
        // block from the shared pool.
        final List<RingTensor> others = new ArrayList<>();
        final long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (true) {
                System.gc();
                Thread.sleep(20);
                runOnThread("party-1", () -> {
                    final RingTensor mine = RingTensor.uninitialized(shape);
                    others.add(mine);
                    assertAllZero(mine, "a new thread's uninitialised tensor");
                });
                if (address(others.get(others.size() - 1)) == block.get()) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "the ended thread's pool was never retired");
            }
        } finally {
            others.forEach(RingTensor::close);
        }
    }

    @Test
    void shouldZeroAThreadsPoolWhenItReleasesItForOtherThreads() throws Exception {
        final int[] shape = shapeOfClass(21);
        final AtomicLong block = new AtomicLong();
        runOnThread("party-0", () -> {
            try (RingTensor share = RingTensor.uninitialized(shape)) {
                share.fill(SECRET);
                block.set(address(share));
            }
            MemoryBudget.releaseThreadPool();
        });
        runOnThread("party-1", () -> {
            try (RingTensor mine = RingTensor.uninitialized(shape)) {
                assertEquals(block.get(), address(mine), "the released block, from the shared pool");
                assertAllZero(mine, "a released block");
            }
        });
    }

    @Test
    void shouldKeepEveryElementOfAnUninitialisedOutputThatIsWrittenWhole() {
        final long[] values = new long[(1 << 14) + 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0x9E3779B97F4A7C15L;
        }
        try (RingTensor t = RingTensor.of(values, values.length);
             RingTensor copy = RingTensor.copyOf(t)) {
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], copy.get(i));
            }
        }
    }

    @Test
    void shouldSizeBlocksSoThatPowerOfTwoTensorsFillThem() {
        assertEquals(-1, OffHeapMemory.sizeClass(OffHeapMemory.POOL_MIN_BYTES - 1));
        assertEquals(16, OffHeapMemory.sizeClass(1 << 16));
        assertEquals(17, OffHeapMemory.sizeClass((1 << 16) + 1));
        assertEquals(23, OffHeapMemory.sizeClass(8L << 20), "an 8 MiB tensor takes an 8 MiB block, not 16");
        assertEquals((8L << 20) + OffHeapMemory.ALIGNMENT, OffHeapMemory.capacity(23));
    }
}
