package dev.obscura.ring;

import java.util.Arrays;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A dense, row-major tensor over the ring Z_2^64: every element is a Java {@code long} and arithmetic wraps
 * around modulo 2^64.
 *
 * <p>The elements live off-heap in one 64-byte-aligned block, so native backends read and write them in place
 * without a copy. A tensor owns its memory until {@link #close()} releases it (deterministically); a tensor that
 * is never closed is released by the garbage collector. Views ({@link #reshape}, {@link #slice}) share the memory
 * of the tensor they come from: closing a view does nothing, closing the owner invalidates every view, and any
 * later access fails with {@link IllegalStateException} rather than touching freed memory.
 *
 * <p>A tensor may hold a secret share, so {@link #toString()} prints the shape only, never an element.
 *
 * <p>Not thread-safe for concurrent writes; concurrent reads are safe. Sizes are limited to below 2 GiB
 * (2^28 elements) per tensor.
 */
public final class RingTensor implements AutoCloseable {
    /**
     * Bounds checks on element access, folded away by the JIT when switched off with
     * {@code -Dobscura.disable.bounds.checks=true} (benchmarks do).
     */
    public static final boolean SHOULD_BOUNDS_CHECK = !Boolean.getBoolean("obscura.disable.bounds.checks");

    private final OffHeapMemory memory;
    private final boolean owner;
    private final long byteOffset;
    private final int[] shape;
    private final long numel;
    private final UnsafeBuffer buffer;

    private RingTensor(final OffHeapMemory memory, final boolean owner, final long byteOffset, final int[] shape) {
        this.memory = memory;
        this.owner = owner;
        this.byteOffset = byteOffset;
        this.shape = shape.clone();
        this.numel = Shapes.numel(shape);
        this.buffer = new UnsafeBuffer(memory.address() + byteOffset, (int) (numel * Long.BYTES));
    }

    /**
     * A new tensor of {@code shape}, filled with zeros.
     *
     * @throws MemoryBudgetException when its memory would exceed the {@link MemoryBudget}
     */
    public static RingTensor zeros(final int... shape) {
        final long n = Shapes.numel(shape);
        return new RingTensor(new OffHeapMemory(n * Long.BYTES, true), true, 0, shape);
    }

    /**
     * A new tensor of {@code shape} whose elements are not set: for a kernel output that is overwritten whole before
     * it is read, it saves the pass over memory that zeroing costs. Its elements are zeros or values that the calling
     * thread wrote to memory it released earlier, never what another thread (another in-process party) wrote: see
     * the rule in {@code OffHeapMemory}. Use {@link #zeros} wherever an element could be read before it is written
     * (an accumulator, a partly written output).
     *
     * @throws MemoryBudgetException when its memory would exceed the {@link MemoryBudget}
     */
    public static RingTensor uninitialized(final int... shape) {
        final long n = Shapes.numel(shape);
        return new RingTensor(new OffHeapMemory(n * Long.BYTES, false), true, 0, shape);
    }

    /** A new tensor of {@code shape} holding a copy of {@code values} in row-major order. */
    public static RingTensor of(final long[] values, final int... shape) {
        final long n = Shapes.numel(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("values must match the shape, values.length=" + values.length
                + ", shape=" + Shapes.toString(shape));
        }
        final RingTensor t = uninitialized(shape);
        t.copyFrom(values);
        return t;
    }

    /** A new tensor with the same shape and a copy of the elements of {@code source}. */
    public static RingTensor copyOf(final RingTensor source) {
        final long from = source.address(); // fails on a closed source before anything is allocated
        final RingTensor t = uninitialized(source.shape);
        UnsafeApi.copyMemory(from, t.address(), source.numel * Long.BYTES);
        return t;
    }

    /** A new zero tensor with the same shape as this one. */
    public RingTensor zerosLike() {
        return zeros(shape);
    }

    /**
     * A new tensor with the same shape as this one whose elements are not set, for an output that a kernel or a
     * receive overwrites whole: see {@link #uninitialized}.
     */
    public RingTensor uninitializedLike() {
        return uninitialized(shape);
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of axis {@code axis}; negative axes count from the end. */
    public int dim(final int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    /** The number of axes. */
    public int rank() {
        return shape.length;
    }

    /** The number of elements. */
    public long numel() {
        return numel;
    }

    /** Row-major strides in elements; every tensor is contiguous. */
    public long[] strides() {
        return Shapes.strides(shape);
    }

    /** Whether this tensor has exactly {@code other}'s shape. */
    public boolean sameShape(final RingTensor other) {
        return Arrays.equals(shape, other.shape);
    }

    /** Whether this tensor has shape {@code expected}. */
    public boolean hasShape(final int... expected) {
        return Arrays.equals(shape, expected);
    }

    /** Element {@code index} in row-major order. */
    public long get(final long index) {
        if (SHOULD_BOUNDS_CHECK) {
            checkIndex(index);
        }
        return UnsafeApi.getLong(address() + (index << 3));
    }

    /** Sets element {@code index} in row-major order. */
    public void set(final long index, final long value) {
        if (SHOULD_BOUNDS_CHECK) {
            checkIndex(index);
        }
        UnsafeApi.putLong(address() + (index << 3), value);
    }

    /** Element at multi-index {@code idx}. */
    public long at(final int... idx) {
        return get(flatIndex(idx));
    }

    /** Sets the element at multi-index {@code idx}. */
    public void setAt(final long value, final int... idx) {
        set(flatIndex(idx), value);
    }

    /** Sets every element to {@code value}. */
    public void fill(final long value) {
        final long base = address();
        for (long i = 0; i < numel; i++) {
            UnsafeApi.putLong(base + (i << 3), value);
        }
    }

    /** Copies {@code values} (exactly {@link #numel()} of them) into this tensor. */
    public void copyFrom(final long[] values) {
        if (values.length != numel) {
            throw new IllegalArgumentException(
                "values must have numel elements, values.length=" + values.length + ", numel=" + numel);
        }
        UnsafeApi.copyMemory(values, UnsafeApi.arrayBaseOffset(long[].class), null, address(),
            numel * Long.BYTES);
    }

    /** Copies the elements of {@code source}, which must have the same number of elements. */
    public void copyFrom(final RingTensor source) {
        if (source.numel != numel) {
            throw new IllegalArgumentException(
                "source must have numel elements, source.numel=" + source.numel + ", numel=" + numel);
        }
        UnsafeApi.copyMemory(source.address(), address(), numel * Long.BYTES);
    }

    /** The elements, copied to a new array in row-major order. */
    public long[] toArray() {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor too large for an array, numel=" + numel);
        }
        final long[] out = new long[(int) numel];
        UnsafeApi.copyMemory(null, address(), out, UnsafeApi.arrayBaseOffset(long[].class), numel * Long.BYTES);
        return out;
    }

    /** Whether both tensors have the same shape and the same elements. */
    public boolean contentEquals(final RingTensor other) {
        if (!sameShape(other)) {
            return false;
        }
        final long a = address();
        final long b = other.address();
        for (long i = 0; i < numel; i++) {
            if (UnsafeApi.getLong(a + (i << 3)) != UnsafeApi.getLong(b + (i << 3))) {
                return false;
            }
        }
        return true;
    }

    /** A view with the same elements and another shape of the same element count. */
    public RingTensor reshape(final int... newShape) {
        if (Shapes.numel(newShape) != numel) {
            throw new IllegalArgumentException("reshape must keep the element count, shape=" + Shapes.toString(shape)
                + ", newShape=" + Shapes.toString(newShape));
        }
        return new RingTensor(memory, false, byteOffset, newShape);
    }

    /** A view of rows {@code [from, to)} along axis 0. */
    public RingTensor slice(final int from, final int to) {
        if (shape.length == 0 || from < 0 || to < from || to > shape[0]) {
            throw new IndexOutOfBoundsException("slice must lie within axis 0, from=" + from + ", to=" + to
                + ", shape=" + Shapes.toString(shape));
        }
        final int[] s = shape.clone();
        s[0] = to - from;
        final long rowElements = shape[0] == 0 ? 0 : numel / shape[0];
        return new RingTensor(memory, false, byteOffset + from * rowElements * Long.BYTES, s);
    }

    /**
     * The elements as an Agrona buffer over the off-heap memory, for backends and transports that move bytes
     * without copying. Valid only while the tensor is open.
     */
    public UnsafeBuffer buffer() {
        memory.address();
        return buffer;
    }

    /** Whether this tensor's memory is still allocated. */
    public boolean isOpen() {
        return !memory.isFreed();
    }

    /** Releases the memory if this tensor owns it; a view's close does nothing. Idempotent. */
    @Override
    public void close() {
        if (owner) {
            memory.free();
        }
    }

    /** Shape only: a tensor may hold a share, so its elements are never printed. */
    @Override
    public String toString() {
        return "RingTensor" + Shapes.toString(shape);
    }

    private long address() {
        return memory.address() + byteOffset;
    }

    private long flatIndex(final int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException(
                "index rank must match the tensor rank, index rank=" + idx.length + ", rank=" + shape.length);
        }
        long flat = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index out of bounds, axis=" + i + ", index=" + idx[i]
                    + ", shape=" + Shapes.toString(shape));
            }
            flat = flat * shape[i] + idx[i];
        }
        return flat;
    }

    private void checkIndex(final long index) {
        if (index < 0 || index >= numel) {
            throw new IndexOutOfBoundsException("index out of bounds, index=" + index + ", numel=" + numel);
        }
    }
}
