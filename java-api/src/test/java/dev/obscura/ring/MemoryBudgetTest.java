package dev.obscura.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The off-heap budget, with budgets a few MiB above what the test JVM already holds. */
class MemoryBudgetTest {
    private static final long MIB = 1L << 20;

    @Test
    void shouldRefuseAnAllocationBeyondTheBudgetNamingItAndLeakNothing() {
        BlockPool.trim(Long.MAX_VALUE);
        final long before = OffHeapMemory.reservedBytes();
        final long inUse = MemoryBudget.inUse();
        try (MemoryBudget.Restore r = MemoryBudget.setLimit(before + 3 * MIB);
             RingTensor fits = RingTensor.zeros((int) (2 * MIB / Long.BYTES))) {
            assertEquals(before + 3 * MIB, MemoryBudget.limit());
            // 16 MiB + 8 bytes takes a 32 MiB block: far more than any garbage the collector could free meanwhile.
            final MemoryBudgetException e = assertThrows(MemoryBudgetException.class,
                () -> RingTensor.zeros((int) (16 * MIB / Long.BYTES) + 1));
            assertEquals(16 * MIB + 8, e.requested());
            assertEquals(before + 3 * MIB, e.budget());
            assertTrue(e.inUse() >= 2 * MIB, e.getMessage());
            final String message = e.getMessage();
            assertTrue(message.startsWith("off-heap memory budget exceeded: request=16777224 bytes (16 MiB, a block"
                + " of 32 MiB), inUse="), message);
            assertTrue(message.contains("budget=" + (before + 3 * MIB) + " bytes"), message);
            assertTrue(message.contains("-Dobscura.memory.budget=SIZE"), message);
            assertTrue(message.contains("--memory-budget SIZE"), message);
            // The collector may free forgotten tensors meanwhile, never add: the refused request holds nothing.
            assertTrue(OffHeapMemory.reservedBytes() <= before + 2 * MIB + OffHeapMemory.ALIGNMENT);
            assertTrue(MemoryBudget.inUse() <= inUse + 2 * MIB + OffHeapMemory.ALIGNMENT);
            assertTrue(fits.isOpen());
            assertThrows(MemoryBudgetException.class, () -> RingTensor.uninitialized(3 * (int) MIB));
        }
        assertTrue(MemoryBudget.limit() > before + 3 * MIB, "the budget before is restored");
    }

    @Test
    void shouldGiveBackPooledBlocksRatherThanRefuse() {
        BlockPool.trim(Long.MAX_VALUE);
        final long before = OffHeapMemory.reservedBytes();
        try (MemoryBudget.Restore r = MemoryBudget.setLimit(before + 5 * MIB)) {
            RingTensor.uninitialized((int) (2 * MIB / Long.BYTES)).close();
            final long pooled = MemoryBudget.pooled();
            assertTrue(pooled >= 2 * MIB, "pooled=" + pooled);
            // 2 MiB pooled + 4 MiB requested exceed 5 MiB: the pooled block goes back to the system instead.
            try (RingTensor big = RingTensor.zeros((int) (4 * MIB / Long.BYTES))) {
                assertTrue(MemoryBudget.pooled() < pooled, "the pooled block was given back");
                assertTrue(OffHeapMemory.reservedBytes() <= before + 5 * MIB);
                assertEquals(0, big.get(big.numel() - 1));
            }
        }
    }

    @Test
    void shouldPoolUpToTheBudgetWhenNoPoolCapIsSet() {
        // The build sets no obscura.memory.pool.bytes: the pools follow the budget, whatever it is now.
        assertEquals(MemoryBudget.limit(), BlockPool.cap());
        try (MemoryBudget.Restore r = MemoryBudget.setLimit(3L << 40)) {
            assertEquals(3L << 40, BlockPool.cap(), "a budget of 3 TiB lets the pools keep up to 3 TiB");
        }
        assertEquals(MemoryBudget.limit(), BlockPool.cap());
        // Freed blocks stay pooled up to the budget: every block of a working set is kept for the next step.
        BlockPool.trim(Long.MAX_VALUE);
        final long before = OffHeapMemory.reservedBytes();
        try (MemoryBudget.Restore r = MemoryBudget.setLimit(before + 9 * MIB)) {
            final RingTensor[] set = new RingTensor[4];
            for (int i = 0; i < set.length; i++) {
                set[i] = RingTensor.uninitialized((int) (2 * MIB / Long.BYTES));
            }
            for (final RingTensor t : set) {
                t.close();
            }
            assertTrue(MemoryBudget.pooled() >= 8 * MIB, "pooled=" + MemoryBudget.pooled());
        }
    }

    @Test
    void shouldRefuseBeyondTheBudgetEvenWhenAPooledBlockCouldServeTheRequest() {
        final int[] shape = {(int) (2 * MIB / Long.BYTES)};
        RingTensor.uninitialized(shape).close();
        assertTrue(MemoryBudget.pooled() >= 2 * MIB);
        try (MemoryBudget.Restore r = MemoryBudget.setLimit(MemoryBudget.inUse() + MIB)) {
            assertThrows(MemoryBudgetException.class, () -> RingTensor.uninitialized(shape));
        }
        RingTensor.uninitialized(shape).close();
    }

    @Test
    void shouldCountBlocksInUseAndTheirPeak() {
        final long block = MIB + OffHeapMemory.ALIGNMENT;
        // The cleaner may free a forgotten tensor of another test between two readings: retry such a reading.
        for (int attempt = 0; ; attempt++) {
            final long inUse = MemoryBudget.inUse();
            MemoryBudget.resetPeak();
            final long during;
            try (RingTensor t = RingTensor.uninitialized(1 << 17)) {
                during = MemoryBudget.inUse();
            }
            final long after = MemoryBudget.inUse();
            final long peak = MemoryBudget.peakInUse();
            if (attempt < 5 && (during != inUse + block || after != inUse)) {
                continue;
            }
            assertEquals(inUse + block, during);
            assertEquals(inUse, after);
            assertTrue(peak >= inUse + block, "peak=" + peak);
            MemoryBudget.resetPeak();
            assertTrue(MemoryBudget.peakInUse() <= inUse);
            return;
        }
    }

    @Test
    void shouldParseSizesWithBinaryUnitsAndRejectOthersQuotingThemSafely() {
        assertEquals(512L << 20, MemoryBudget.parse("512m", "--memory-budget"));
        assertEquals(512L << 20, MemoryBudget.parse("512MiB", "--memory-budget"));
        assertEquals(3L << 29, MemoryBudget.parse("1.5g", "--memory-budget"));
        assertEquals(4L << 40, MemoryBudget.parse("4T", "--memory-budget"));
        assertEquals(64L << 10, MemoryBudget.parse(" 64 kb ", "--memory-budget"));
        assertEquals(1073741824L, MemoryBudget.parse("1073741824", "--memory-budget"));
        assertEquals(100, MemoryBudget.parse("100b", "--memory-budget"));
        for (final String bad : new String[] {"", "-1g", "0", "0.1", "12x", "g", "1e9", "99999999t"}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryBudget.parse(bad, "--memory-budget"), bad);
            assertTrue(e.getMessage().startsWith("--memory-budget must be "), e.getMessage());
        }
        final String hostile = "\u001b[31m" + "9".repeat(1000);
        final String message = assertThrows(IllegalArgumentException.class,
            () -> MemoryBudget.parse(hostile, "--memory-budget")).getMessage();
        assertFalse(message.contains("\u001b"), message);
        assertTrue(message.length() < 200, message);
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.setLimit(0));
    }

    @Test
    void shouldDeriveTheDefaultFromTheMachinesMemory() {
        final long physical = MemoryBudget.physicalMemory();
        final long heap = Runtime.getRuntime().maxMemory();
        assertTrue(physical > heap / 2, "physical=" + physical + ", heap=" + heap);
        final long expected = Math.max(256L << 20, (physical - Math.min(heap, physical)) / 4 * 3);
        assertEquals(expected, MemoryBudget.defaultLimit());
    }

    @Test
    void shouldFormatSizesShortly() {
        assertEquals("100 B", MemoryBudget.format(100));
        assertEquals("1.00 KiB", MemoryBudget.format(1024));
        assertEquals("1.50 GiB", MemoryBudget.format(3L << 29));
        assertEquals("640 KiB", MemoryBudget.format(640L << 10));
        assertEquals("20 GiB", MemoryBudget.format(20L << 30));
    }
}
