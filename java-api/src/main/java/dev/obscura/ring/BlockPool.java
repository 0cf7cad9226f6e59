package dev.obscura.ring;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The freed off-heap blocks kept for reuse, in power-of-two size classes (a block of class {@code c} has {@code 2^c}
 * bytes after its aligned start, see {@link OffHeapMemory#capacity}): one pool per thread, whose blocks may still hold
 * what that thread wrote, and one shared pool whose blocks are all zero. A thread takes from its own pool, then from
 * the shared one, then from another thread's pool (the caller zeroes such a block), and only then asks the system.
 * {@link OffHeapMemory} states and applies the rule that decides where a block goes.
 *
 * <p>A thread's pool outlives nothing: when the thread has ended and its pool is unreachable, the cleaner zeroes its
 * blocks and moves them to the shared pool. Pooled blocks count against the {@link MemoryBudget}, and {@link #trim}
 * gives them back (zeroed) when an allocation needs the room, so by default the pools are bounded by the budget alone:
 * they keep the largest working set a computation has had, ready for the next step. A fixed cap below that
 * ({@code obscura.memory.pool.bytes}; a block beyond it goes back to the system) makes every step whose temporaries
 * exceed the cap give its blocks back and fault fresh pages in again: with the former default of 1 GiB, secure
 * inference of 256-image batches (about 1.3 GB of temporaries) ran at 126 to 164 images/s, and at 481 with the pools
 * bounded by the budget (docs/PERFORMANCE.md).
 */
final class BlockPool {
    private static final int CLASSES = 64;
    /** A fixed cap on pooled bytes, or 0 for the budget's ({@link MemoryBudget#limit()}, which may change). */
    private static final long CAP = Long.getLong("obscura.memory.pool.bytes", 0);
    private static final AtomicLong POOLED = new AtomicLong();
    private static final Stacks SHARED = new Stacks();
    /** Every thread's pool, for {@link #trim}; a pool leaves when its thread's blocks are retired. */
    private static final Set<Stacks> THREAD_POOLS = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<Owner> OWN = ThreadLocal.withInitial(Owner::new);

    private BlockPool() {
    }

    /** A block of class {@code c} that this thread freed (holding what it wrote), or 0 if it has none. */
    static long takeOwn(final int c) {
        return taken(c, OWN.get().blocks.pop(c));
    }

    /** A zeroed block of class {@code c} from the shared pool, or 0 if it has none. */
    static long takeZeroed(final int c) {
        return taken(c, SHARED.pop(c));
    }

    /**
     * A block of class {@code c} from another thread's pool, or 0 if none has one. It may hold that thread's data:
     * the caller zeroes all of it that was written before any use. Cheaper than a new block from the system, which
     * must be zeroed too and costs a page fault per page, and it keeps one thread's idle blocks from making another
     * thread take new memory.
     */
    static long takeFromOtherThreads(final int c) {
        final Stacks own = OWN.get().blocks;
        for (final Stacks pool : THREAD_POOLS) {
            if (pool != own) {
                final long raw = taken(c, pool.pop(c));
                if (raw != 0) {
                    return raw;
                }
            }
        }
        return 0;
    }

    /** Keeps a block this thread freed for its own reuse; false when the pools are full. */
    static boolean keepOwn(final int c, final long raw) {
        if (!admit(c)) {
            return false;
        }
        OWN.get().blocks.push(c, raw);
        return true;
    }

    /** Keeps a block that is all zeros for any thread; false when the pools are full. */
    static boolean keepZeroed(final int c, final long raw) {
        if (!admit(c)) {
            return false;
        }
        SHARED.push(c, raw);
        return true;
    }

    /** Bytes in all pools. */
    static long pooledBytes() {
        return POOLED.get();
    }

    /**
     * Gives pooled blocks back to the system, zeroed, until {@code wanted} bytes are given back or the pools are
     * empty: the shared pool first (its blocks are zero already), then the threads' pools, largest blocks first.
     *
     * @return the bytes given back
     */
    static long trim(final long wanted) {
        long freed = drain(SHARED, wanted, true);
        for (final Stacks pool : THREAD_POOLS) {
            if (freed >= wanted) {
                break;
            }
            freed += drain(pool, wanted - freed, false);
        }
        return freed;
    }

    private static long drain(final Stacks pool, final long wanted, final boolean zeroed) {
        long freed = 0;
        for (int c = CLASSES - 1; c >= 0 && freed < wanted; c--) {
            long raw;
            while (freed < wanted && (raw = taken(c, pool.pop(c))) != 0) {
                final long written = OffHeapMemory.takeWritten(OffHeapMemory.aligned(raw));
                // A zeroed block's mark, now cleared, was all it held.
                OffHeapMemory.giveBack(raw, OffHeapMemory.capacity(c), zeroed ? 0 : written);
                freed += OffHeapMemory.capacity(c);
            }
        }
        return freed;
    }

    private static long taken(final int c, final long raw) {
        if (raw != 0) {
            POOLED.addAndGet(-OffHeapMemory.capacity(c));
        }
        return raw;
    }

    private static boolean admit(final int c) {
        if (POOLED.addAndGet(OffHeapMemory.capacity(c)) <= cap()) {
            return true;
        }
        POOLED.addAndGet(-OffHeapMemory.capacity(c));
        return false;
    }

    /** The most bytes the pools hold: {@code obscura.memory.pool.bytes} when set, else the budget as it is now. */
    static long cap() {
        return CAP > 0 ? CAP : MemoryBudget.limit();
    }

    /** Moves this thread's pooled blocks, zeroed, to the shared pool (or back to the system when it is full). */
    static void releaseOwn() {
        moveToShared(OWN.get().blocks);
    }

    /** Retires an ended thread's pool. */
    private static void retire(final Stacks pool) {
        THREAD_POOLS.remove(pool);
        moveToShared(pool);
    }

    private static void moveToShared(final Stacks pool) {
        for (int c = 0; c < CLASSES; c++) {
            long raw;
            while ((raw = taken(c, pool.pop(c))) != 0) {
                final long address = OffHeapMemory.aligned(raw);
                final long written = OffHeapMemory.takeWritten(address);
                OffHeapMemory.zero(address, written);
                if (keepZeroed(c, raw)) {
                    OffHeapMemory.markWritten(address, written);
                } else {
                    OffHeapMemory.giveBack(raw, OffHeapMemory.capacity(c), 0);
                }
            }
        }
    }

    /**
     * A thread's handle on its pool, held only by the thread's {@link ThreadLocal} map: once the thread has ended
     * it is unreachable, and the cleaner retires the pool.
     */
    private static final class Owner {
        final Stacks blocks = new Stacks();

        Owner() {
            final Stacks pool = blocks; // the cleaning action must not capture this
            THREAD_POOLS.add(pool);
            OffHeapMemory.CLEANER.register(this, () -> retire(pool));
        }
    }

    /**
     * Block addresses by size class, last in first out (the most recently used block is the likeliest in cache).
     * Synchronized: a thread's own pool is contended only by {@link #trim} and by its retirement.
     */
    private static final class Stacks {
        private final long[][] blocks = new long[CLASSES][];
        private final int[] counts = new int[CLASSES];

        synchronized void push(final int c, final long raw) {
            long[] stack = blocks[c];
            if (stack == null) {
                stack = new long[4];
            } else if (counts[c] == stack.length) {
                stack = Arrays.copyOf(stack, stack.length * 2);
            }
            blocks[c] = stack;
            stack[counts[c]++] = raw;
        }

        synchronized long pop(final int c) {
            return counts[c] == 0 ? 0 : blocks[c][--counts[c]];
        }
    }
}
