package dev.obscura.ring;

import java.lang.ref.Cleaner;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.UnsafeApi;

/**
 * One off-heap allocation, 64-byte aligned so that AVX-512 loads of a tensor's start are aligned. Freed by
 * {@link #free()} or, if a caller forgets, by the {@link Cleaner} once it is unreachable.
 *
 * <p>Blocks of {@value #POOL_MIN_BYTES} bytes and more are recycled through a process-wide pool of power-of-two size
 * classes, capped at {@code obscura.memory.pool.bytes} (default 1 GiB): a protocol step allocates and releases the
 * same large temporaries every time, and a fresh multi-megabyte block from the system allocator costs a page fault
 * per 4 KiB page (about 10 ms for 8 MiB on a small VM), far more than the arithmetic on it. Every block is zeroed
 * before it is handed out, so no value (a share, say) survives into the next user.
 */
final class OffHeapMemory {
    static final int ALIGNMENT = 64;
    static final long POOL_MIN_BYTES = 1 << 16;
    private static final long POOL_CAP = Long.getLong("obscura.memory.pool.bytes", 1L << 30);
    private static final Cleaner CLEANER = Cleaner.create();
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final ConcurrentLinkedDeque<Long>[] POOL = new ConcurrentLinkedDeque[32];
    private static final AtomicLong POOLED_BYTES = new AtomicLong();

    static {
        for (int i = 0; i < POOL.length; i++) {
            POOL[i] = new ConcurrentLinkedDeque<>();
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final long address;
    private final long bytes;

    OffHeapMemory(final long bytes) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - ALIGNMENT) {
            throw new IllegalArgumentException("tensor size must be below 2 GiB, bytes=" + bytes);
        }
        final int sizeClass = sizeClass(bytes);
        final long raw = allocate(sizeClass, bytes);
        this.address = (raw + ALIGNMENT - 1) & -ALIGNMENT;
        this.bytes = bytes;
        UnsafeApi.setMemory(address, bytes, (byte) 0);
        this.state = new State(raw, sizeClass);
        this.cleanable = CLEANER.register(this, state);
    }

    /** Power-of-two class of a pooled block (its capacity is {@code 1 << class}), or -1 for unpooled sizes. */
    private static int sizeClass(final long bytes) {
        if (bytes < POOL_MIN_BYTES) {
            return -1;
        }
        return 64 - Long.numberOfLeadingZeros(bytes + ALIGNMENT - 1);
    }

    private static long allocate(final int sizeClass, final long bytes) {
        if (sizeClass < 0) {
            return UnsafeApi.allocateMemory(bytes + ALIGNMENT);
        }
        final Long pooled = POOL[sizeClass].pollFirst();
        if (pooled != null) {
            POOLED_BYTES.addAndGet(-(1L << sizeClass));
            return pooled;
        }
        return UnsafeApi.allocateMemory(1L << sizeClass);
    }

    long address() {
        if (state.freed) {
            throw new IllegalStateException("tensor memory was released by close()");
        }
        return address;
    }

    long bytes() {
        return bytes;
    }

    boolean isFreed() {
        return state.freed;
    }

    void free() {
        cleanable.clean();
    }

    /** Holds no reference to the memory object, as a cleaning action must. */
    private static final class State implements Runnable {
        private final long raw;
        private final int sizeClass;
        private volatile boolean freed;

        State(final long raw, final int sizeClass) {
            this.raw = raw;
            this.sizeClass = sizeClass;
        }

        @Override
        public void run() {
            freed = true;
            if (sizeClass >= 0 && POOLED_BYTES.addAndGet(1L << sizeClass) <= POOL_CAP) {
                POOL[sizeClass].offerFirst(raw);
                return;
            }
            if (sizeClass >= 0) {
                POOLED_BYTES.addAndGet(-(1L << sizeClass));
            }
            UnsafeApi.freeMemory(raw);
        }
    }
}
