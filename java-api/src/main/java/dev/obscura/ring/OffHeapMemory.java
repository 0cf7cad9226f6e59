package dev.obscura.ring;

import java.lang.ref.Cleaner;
import org.agrona.UnsafeApi;

/**
 * One off-heap allocation, 64-byte aligned so that AVX-512 loads of a tensor's start are aligned. Freed by
 * {@link #free()} or, if a caller forgets, by the {@link Cleaner} once it is unreachable.
 */
final class OffHeapMemory {
    static final int ALIGNMENT = 64;
    private static final Cleaner CLEANER = Cleaner.create();

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final long address;
    private final long bytes;

    OffHeapMemory(final long bytes) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - ALIGNMENT) {
            throw new IllegalArgumentException(
                "tensor size must be below 2 GiB, bytes=" + bytes);
        }
        final long raw = UnsafeApi.allocateMemory(bytes + ALIGNMENT);
        this.address = (raw + ALIGNMENT - 1) & -ALIGNMENT;
        this.bytes = bytes;
        UnsafeApi.setMemory(address, bytes, (byte) 0);
        this.state = new State(raw);
        this.cleanable = CLEANER.register(this, state);
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
        private volatile boolean freed;

        State(final long raw) {
            this.raw = raw;
        }

        @Override
        public void run() {
            freed = true;
            UnsafeApi.freeMemory(raw);
        }
    }
}
