package dev.obscura.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RingTensorTest {

    @Test
    void shouldStartWithZerosOfTheGivenShape() {
        try (RingTensor t = RingTensor.zeros(3, 4)) {
            assertEquals(12L, t.numel());
            assertEquals(2, t.rank());
            assertArrayEquals(new int[] {3, 4}, t.shape());
            assertArrayEquals(new long[] {4, 1}, t.strides());
            assertEquals(4, t.dim(-1));
            assertEquals(3, t.dim(0));
            assertArrayEquals(new long[12], t.toArray());
            assertTrue(t.hasShape(3, 4));
            assertEquals(0L, t.buffer().addressOffset() % 64, "owned memory is 64-byte aligned");
        }
        try (RingTensor scalar = RingTensor.zeros()) {
            assertEquals(1L, scalar.numel());
            assertEquals(0, scalar.rank());
        }
    }

    @Test
    void shouldCopyValuesInRowMajorOrder() {
        final long[] values = {1, 2, 3, 4, 5, 6};
        try (RingTensor t = RingTensor.of(values, 2, 3)) {
            assertEquals(6L, t.at(1, 2));
            assertEquals(4L, t.get(3));
            values[0] = 99;
            assertEquals(1L, t.get(0), "of copies its input");
            t.setAt(-5L, 0, 1);
            assertEquals(-5L, t.get(1));
            try (RingTensor copy = RingTensor.copyOf(t)) {
                assertTrue(copy.contentEquals(t));
                copy.set(0, 7L);
                assertEquals(1L, t.get(0), "copyOf does not share memory");
                assertFalse(copy.contentEquals(t));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> RingTensor.of(new long[5], 2, 3));
    }

    @Test
    void shouldStoreEveryBitPatternUnchanged() {
        // Wrap-around is the backends' business: a tensor only stores 64-bit patterns.
        final long[] edges = {0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE};
        try (RingTensor t = RingTensor.of(edges, 5)) {
            assertArrayEquals(edges, t.toArray());
            t.fill(Long.MIN_VALUE);
            assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE,
                Long.MIN_VALUE}, t.toArray());
        }
    }

    @Test
    void shouldShareMemoryWithReshapeAndSliceViews() {
        try (RingTensor t = RingTensor.zeros(4, 3)) {
            final RingTensor flat = t.reshape(12);
            flat.set(7, 42L);
            assertEquals(42L, t.at(2, 1));
            final RingTensor rows = t.slice(1, 3);
            assertArrayEquals(new int[] {2, 3}, rows.shape());
            assertEquals(42L, rows.at(1, 1));
            rows.set(0, -3L);
            assertEquals(-3L, t.at(1, 0));
            final RingTensor inner = rows.slice(1, 2).reshape(3);
            assertEquals(42L, inner.get(1));
            rows.close();
            assertTrue(t.isOpen(), "closing a view does nothing");
            assertEquals(42L, t.at(2, 1));
            assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> t.slice(3, 2));
            assertThrows(IllegalArgumentException.class, () -> t.at(1));
            assertThrows(IndexOutOfBoundsException.class, () -> t.at(4, 0));
        }
    }

    @Test
    void shouldCheckFlatIndicesWhenBoundsChecksAreOn() {
        if (!RingTensor.SHOULD_BOUNDS_CHECK) {
            return;
        }
        try (RingTensor t = RingTensor.zeros(3)) {
            assertThrows(IndexOutOfBoundsException.class, () -> t.get(3));
            assertThrows(IndexOutOfBoundsException.class, () -> t.set(-1, 0L));
        }
    }

    @Test
    void shouldCloseIdempotently() {
        final RingTensor t = RingTensor.zeros(8);
        assertTrue(t.isOpen());
        t.close();
        t.close();
        assertFalse(t.isOpen());
    }

    @Test
    void shouldThrowIllegalStateOnUseAfterClose() {
        final RingTensor t = RingTensor.zeros(2, 4);
        final RingTensor view = t.slice(0, 1);
        t.close();
        assertThrows(IllegalStateException.class, () -> t.get(0));
        assertThrows(IllegalStateException.class, () -> t.set(0, 1L));
        assertThrows(IllegalStateException.class, t::toArray);
        assertThrows(IllegalStateException.class, t::buffer);
        assertThrows(IllegalStateException.class, () -> t.fill(1L));
        assertThrows(IllegalStateException.class, () -> t.copyFrom(new long[8]));
        assertThrows(IllegalStateException.class, () -> view.get(0), "views die with their owner");
        assertThrows(IllegalStateException.class, () -> RingTensor.copyOf(view));
        assertFalse(view.isOpen());
        assertEquals("RingTensor[2, 4]", t.toString(), "the shape is still known");
    }

    @Test
    void shouldNeverPrintElementValues() {
        try (RingTensor t = RingTensor.of(new long[] {987654321L, -123456789L, Long.MIN_VALUE}, 3)) {
            final String s = t.toString();
            assertEquals("RingTensor[3]", s);
            assertFalse(s.contains("987654321") || s.contains("123456789") || s.contains("9223372036854775808"));
            assertFalse(t.reshape(1, 3).toString().contains("987654321"));
        }
    }
}
