package dev.obscura.ring;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.UnsafeApi;

/**
 * One off-heap allocation, 64-byte aligned so that AVX-512 loads of a tensor's start are aligned. Freed by
 * {@link #free()} or, if a caller forgets, by the {@link Cleaner} once it is unreachable.
 *
 * <h2>The budget</h2>
 * Every block taken from the C allocator is counted against the {@link MemoryBudget} until it is given back. An
 * allocation is refused with a {@link MemoryBudgetException} (nothing is allocated, nothing is counted) when the blocks
 * in use, or all blocks held (in use and pooled), would exceed the budget: pooled blocks are given back first to make
 * room, and, if that is not enough, one garbage collection gets the chance to free tensors that nobody closed.
 *
 * <h2>The pool</h2>
 * Blocks of {@value #POOL_MIN_BYTES} bytes and more are recycled ({@link BlockPool}) in power-of-two size classes
 * (a class holds {@code 2^c} bytes after the start is aligned, so a tensor of a power-of-two size fills it): a
 * protocol step allocates and releases the same large temporaries every time, and a fresh multi-megabyte block from
 * the system allocator costs a page fault per 4 KiB page (about 10 ms for 8 MiB on a small VM), far more than the
 * arithmetic on it.
 *
 * <h2>What a new block may hold: the rule</h2>
 * In-process parties (and the dealer) are threads of one process, and a block one party freed must never be read by
 * another. So every thread has its own pool, and
 * <ol>
 *   <li>a block freed by {@link #free()} on the thread that allocated it goes to that thread's pool as it is: it holds
 *       only what that thread wrote (a tensor belongs to one party's thread);</li>
 *   <li>a block taken from another thread's pool (when neither the thread's own pool nor the shared pool has one of
 *       its size) is zeroed, wherever it was ever written, before its first use;</li>
 *   <li>a block freed on any other thread (a tensor handed across threads, or one the {@link Cleaner} frees) is
 *       zeroed and goes to the shared pool, which holds only zeroed blocks; so are the blocks of a thread's pool once
 *       that thread has ended, or when it calls {@link MemoryBudget#releaseThreadPool()};</li>
 *   <li>a block that goes back to the C allocator (small blocks always; pooled ones when the pools are full or the
 *       budget needs the room) is zeroed first, so nothing that held a share, a mask or a seed leaves the engine's
 *       control with its contents;</li>
 *   <li>memory newly taken from the C allocator is zeroed before its first use, since other native code in the
 *       process may have freed it with data in it.</li>
 * </ol>
 * "Zeroed" means every byte the block ever held: a block records how far from its start it has been written (a
 * smaller tensor leaves the end of its power-of-two block untouched, and those pages never become resident), and the
 * part beyond that is zeroed when a larger tensor first reaches it.
 * A zeroed tensor ({@code RingTensor.zeros}) is therefore zeroed once when its block comes from the thread's own
 * pool, and not again when it comes from the shared pool. An {@linkplain RingTensor#uninitialized uninitialised}
 * tensor skips the zeroing: its elements are zeros or values the calling thread itself wrote earlier, never another
 * thread's.
 */
final class OffHeapMemory {
    static final int ALIGNMENT = 64;
    static final long POOL_MIN_BYTES = 1 << 16;
    static final Cleaner CLEANER = Cleaner.create();
    /** Bytes taken from the C allocator and not given back: in use and pooled. */
    private static final AtomicLong RESERVED = new AtomicLong();
    private static final AtomicLong IN_USE = new AtomicLong();
    private static final AtomicLong PEAK_IN_USE = new AtomicLong();
    /** Waits for the cleaner before a refusal: 1 + 2 + ... + 128 ms, about a quarter of a second. */
    private static final int CLEANER_WAITS = 8;

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final long address;
    private final long bytes;

    /**
     * A block of at least {@code bytes} bytes, zeroed when {@code zeroed}, else holding zeros or what this thread
     * wrote to it before.
     *
     * @throws MemoryBudgetException when a new block would exceed the budget
     */
    OffHeapMemory(final long bytes, final boolean zeroed) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - ALIGNMENT) {
            throw new IllegalArgumentException("tensor size must be below 2 GiB, bytes=" + bytes);
        }
        final int sizeClass = sizeClass(bytes);
        final long capacity = sizeClass < 0 ? bytes + ALIGNMENT : capacity(sizeClass);
        if (!reserve(IN_USE, capacity) && !makeRoom(IN_USE, capacity)) {
            throw new MemoryBudgetException(bytes, capacity, IN_USE.get(), MemoryBudget.limit());
        }
        final long used = IN_USE.get();
        if (used > PEAK_IN_USE.get()) {
            PEAK_IN_USE.accumulateAndGet(used, Math::max);
        }
        long raw = 0;
        boolean ownData = false;
        boolean othersData = false;
        if (sizeClass >= 0) {
            raw = BlockPool.takeOwn(sizeClass);
            ownData = raw != 0;
            if (raw == 0) {
                raw = BlockPool.takeZeroed(sizeClass);
            }
            if (raw == 0) {
                raw = BlockPool.takeFromOtherThreads(sizeClass);
                othersData = raw != 0;
            }
        }
        final long written;
        if (raw == 0) {
            try {
                raw = allocateFresh(bytes, capacity);
            } catch (RuntimeException | Error e) {
                IN_USE.addAndGet(-capacity);
                throw e;
            }
            written = 0;
        } else {
            written = takeWritten(aligned(raw));
        }
        this.address = aligned(raw);
        this.bytes = bytes;
        // Only the first `written` bytes of a pooled block were ever touched: zeros, this thread's data, or (taken
        // from another thread's pool) that thread's data, all of which goes now. Beyond them lies what the C
        // allocator handed out, zeroed here before its first use; pages never touched stay out of memory.
        if (othersData) {
            zero(address, Math.max(written, bytes));
        } else if (zeroed && ownData) {
            zero(address, bytes);
        } else if (bytes > written) {
            zero(address + written, bytes - written);
        }
        this.state = new State(raw, capacity, Math.max(written, bytes), sizeClass, Thread.currentThread());
        this.cleanable = CLEANER.register(this, state);
    }

    /** The 64-byte aligned start of a block whose allocation starts at {@code raw}. */
    static long aligned(final long raw) {
        return (raw + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * Marks a block that goes to a pool with its written length: the number of bytes from its aligned start that
     * have ever been touched (the rest has not been, and is zeroed before first use). The mark is kept in the
     * block's first 8 bytes while it is pooled; a pooled block is always at least {@value #POOL_MIN_BYTES} bytes.
     */
    static void markWritten(final long address, final long written) {
        UnsafeApi.putLong(address, written);
    }

    /** Reads a pooled block's written length and clears its mark (the first 8 bytes become zero). */
    static long takeWritten(final long address) {
        final long written = UnsafeApi.getLong(address);
        UnsafeApi.putLong(address, 0L);
        return written;
    }

    /**
     * Size class of a pooled block: the smallest {@code c} with {@code 2^c >= bytes}, so that a tensor of a
     * power-of-two size fills its block; -1 for sizes that are not pooled.
     */
    static int sizeClass(final long bytes) {
        if (bytes < POOL_MIN_BYTES) {
            return -1;
        }
        return 64 - Long.numberOfLeadingZeros(bytes - 1);
    }

    /** Bytes of a block of class {@code c}: {@code 2^c} usable bytes after the alignment of its start. */
    static long capacity(final int sizeClass) {
        return (1L << sizeClass) + ALIGNMENT;
    }

    /** A new block from the C allocator, within the budget. */
    private static long allocateFresh(final long bytes, final long capacity) {
        if (!reserve(RESERVED, capacity) && !makeRoom(RESERVED, capacity)) {
            throw new MemoryBudgetException(bytes, capacity, IN_USE.get(), MemoryBudget.limit());
        }
        try {
            return UnsafeApi.allocateMemory(capacity);
        } catch (final OutOfMemoryError e) {
            RESERVED.addAndGet(-capacity);
            throw e;
        }
    }

    /**
     * Adds {@code capacity} to {@code counter} (the bytes in use, or all bytes held) if the sum stays within the
     * budget.
     */
    private static boolean reserve(final AtomicLong counter, final long capacity) {
        final long limit = MemoryBudget.limit();
        while (true) {
            final long held = counter.get();
            if (held + capacity > limit) {
                return false;
            }
            if (counter.compareAndSet(held, held + capacity)) {
                return true;
            }
        }
    }

    /**
     * Gives pooled blocks back until {@code capacity} fits; if it still does not, asks for a garbage collection so
     * that the cleaner frees tensors that nobody closed, and retries for about a quarter of a second.
     */
    private static boolean makeRoom(final AtomicLong counter, final long capacity) {
        BlockPool.trim(RESERVED.get() + capacity - MemoryBudget.limit());
        if (reserve(counter, capacity)) {
            return true;
        }
        System.gc();
        for (int i = 0; i < CLEANER_WAITS; i++) {
            try {
                Thread.sleep(1L << i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            BlockPool.trim(RESERVED.get() + capacity - MemoryBudget.limit());
            if (reserve(counter, capacity)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Zeroes the first {@code written} bytes of a block from its aligned start (what it ever held), then gives it
     * back to the C allocator and to the budget.
     */
    static void giveBack(final long raw, final long capacity, final long written) {
        zero(aligned(raw), written);
        UnsafeApi.freeMemory(raw);
        RESERVED.addAndGet(-capacity);
    }

    static void zero(final long address, final long length) {
        UnsafeApi.setMemory(address, length, (byte) 0);
    }

    /** Bytes taken from the C allocator and not given back (in use and pooled): what the budget limits. */
    static long reservedBytes() {
        return RESERVED.get();
    }

    static long inUseBytes() {
        return IN_USE.get();
    }

    static long pooledBytes() {
        return BlockPool.pooledBytes();
    }

    static long peakInUseBytes() {
        return PEAK_IN_USE.get();
    }

    static void resetPeak() {
        PEAK_IN_USE.set(IN_USE.get());
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

    /** Holds no reference to the memory object, as a cleaning action must. Applies the rule of the class comment. */
    private static final class State implements Runnable {
        private final long raw;
        private final long capacity;
        private final long written;
        private final int sizeClass;
        private final Thread owner;
        private volatile boolean freed;

        State(final long raw, final long capacity, final long written, final int sizeClass, final Thread owner) {
            this.raw = raw;
            this.capacity = capacity;
            this.written = written;
            this.sizeClass = sizeClass;
            this.owner = owner;
        }

        @Override
        public void run() {
            freed = true;
            IN_USE.addAndGet(-capacity);
            final long address = aligned(raw);
            if (sizeClass < 0) {
                giveBack(raw, capacity, written);
                return;
            }
            if (Thread.currentThread() == owner) {
                markWritten(address, written);
                if (!BlockPool.keepOwn(sizeClass, raw)) {
                    giveBack(raw, capacity, written);
                }
            } else {
                zero(address, written);
                markWritten(address, written);
                if (!BlockPool.keepZeroed(sizeClass, raw)) {
                    giveBack(raw, capacity, Long.BYTES); // only the mark is left to clear
                }
            }
        }
    }
}
