package dev.obscura.ring;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process-wide budget of off-heap memory for tensors, and what is held against it. Off-heap memory is not bounded
 * by {@code -Xmx}; without a budget, a job too large for the machine ends with the kernel's OOM killer, not an error.
 * {@link OffHeapMemory} enforces the budget: an allocation that would take the memory held beyond it is refused with
 * a {@link MemoryBudgetException} that names the budget, the request and what to change.
 *
 * <p>What counts: every block allocated from the C allocator and not yet given back, both the blocks tensors hold
 * ({@link #inUse()}) and the freed blocks kept in the pool for reuse ({@link #pooled()}). Pooled blocks never cause a
 * refusal: before refusing, the allocator gives pooled blocks back to the system (zeroed) until the request fits,
 * and, when tensors that nobody closed may be waiting for the garbage collector, asks for a collection and waits
 * briefly (as {@code java.nio} does for direct buffers).
 *
 * <p>The budget, first that applies:
 * <ol>
 *   <li>{@link #setLimit(long)} (the {@code obscura} commands' {@code --memory-budget SIZE} option calls it);</li>
 *   <li>the system property {@value #PROPERTY}, a size such as {@code 4g}, {@code 512m} or a number of bytes;</li>
 *   <li>the default, {@link #defaultLimit()}: three quarters of the physical memory left after the largest heap
 *       ({@code -Xmx}), at least {@value #MIN_DEFAULT_MIB} MiB. Physical memory is the operating system's figure,
 *       which the JVM bounds by the container's limit where there is one, or {@code MemTotal} of
 *       {@code /proc/meminfo}.</li>
 * </ol>
 *
 * <p>Thread-safe.
 */
public final class MemoryBudget {
    /** The system property that sets the budget (a size: {@code 4g}, {@code 512m}, {@code 1073741824}). */
    public static final String PROPERTY = "obscura.memory.budget";
    /** The command-line option of the {@code obscura} commands that sets the budget. */
    public static final String OPTION = "--memory-budget";
    static final long MIN_DEFAULT_MIB = 256;
    private static final Pattern SIZE =
        Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(?:([kmgt])(?:i?b)?|b)?\\s*", Pattern.CASE_INSENSITIVE);

    /** A limit set by {@link #setLimit}, or 0 for none. */
    private static volatile long override;
    /** The property or default limit, resolved on first use; 0 until then. */
    private static volatile long configured;

    private MemoryBudget() {
    }

    /**
     * The budget in bytes: {@link #setLimit}'s, else the property's, else the default.
     *
     * @throws IllegalArgumentException when the property is set to something that is not a size
     */
    public static long limit() {
        final long set = override;
        if (set > 0) {
            return set;
        }
        long c = configured;
        if (c == 0) {
            final String text = System.getProperty(PROPERTY);
            c = text == null ? defaultLimit() : parse(text, "-D" + PROPERTY);
            configured = c;
        }
        return c;
    }

    /**
     * Sets the budget for the whole process to {@code bytes} until the returned handle is closed, which restores the
     * setting before. Memory already held is kept; the budget applies to later allocations.
     *
     * @throws IllegalArgumentException unless {@code bytes} is positive
     */
    public static Restore setLimit(final long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the memory budget must be positive, bytes=" + bytes);
        }
        final long previous = override;
        override = bytes;
        return () -> override = previous;
    }

    /** Restores the budget that {@link #setLimit} replaced. */
    @FunctionalInterface
    public interface Restore extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * The default budget: three quarters of the physical memory left after the largest heap, and at least
     * {@value #MIN_DEFAULT_MIB} MiB.
     */
    public static long defaultLimit() {
        final long physical = physicalMemory();
        final long heap = Runtime.getRuntime().maxMemory();
        final long left = physical - Math.min(heap == Long.MAX_VALUE ? physical / 2 : heap, physical);
        return Math.max(MIN_DEFAULT_MIB << 20, left / 4 * 3);
    }

    /** Bytes held by open tensors (whole blocks, alignment included). */
    public static long inUse() {
        return OffHeapMemory.inUseBytes();
    }

    /** Bytes of freed blocks kept for reuse; they count against the budget but are given back before a refusal. */
    public static long pooled() {
        return OffHeapMemory.pooledBytes();
    }

    /** The largest {@link #inUse()} since the last {@link #resetPeak()} (or the start). */
    public static long peakInUse() {
        return OffHeapMemory.peakInUseBytes();
    }

    /** Starts a new measurement of {@link #peakInUse()} from the current use. */
    public static void resetPeak() {
        OffHeapMemory.resetPeak();
    }

    /**
     * Moves the blocks that the calling thread freed and keeps for its own reuse, zeroed, to the pool that every
     * thread shares. Call it when a thread that computed on tensors is about to end (an in-process party's thread):
     * other threads can then reuse the blocks at once, instead of after the collector has found the ended thread.
     */
    public static void releaseThreadPool() {
        BlockPool.releaseOwn();
    }

    /**
     * Parses a size: a number with an optional binary unit, {@code k}, {@code m}, {@code g} or {@code t} (also
     * {@code kb}, {@code KiB}, ...), case-insensitive: {@code 512m}, {@code 1.5g}, {@code 1073741824}.
     *
     * @param text the size
     * @param what where it came from, for the message (an option or property name)
     * @throws IllegalArgumentException naming {@code what} when {@code text} is not a positive size
     */
    public static long parse(final String text, final String what) {
        final Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " must be a size such as 4g, 512m or a number of bytes, "
                + what + "=" + printable(text));
        }
        final int shift = m.group(2) == null ? 0
            : 10 * ("kmgt".indexOf(m.group(2).toLowerCase(Locale.ROOT).charAt(0)) + 1);
        final double bytes = Math.scalb(Double.parseDouble(m.group(1)), shift);
        if (!(bytes >= 1) || bytes >= 0x1p62) {
            throw new IllegalArgumentException(what + " must be between 1 byte and 2^62 bytes, " + what + "="
                + printable(text));
        }
        return (long) bytes;
    }

    /** A size in bytes as a short text in binary units, for messages: {@code 1.50 GiB}, {@code 640 KiB}. */
    public static String format(final long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        final int unit = Math.min(4, (63 - Long.numberOfLeadingZeros(bytes)) / 10);
        final double value = Math.scalb((double) bytes, -10 * unit);
        return (value < 10 ? String.format(Locale.ROOT, "%.2f", value) : String.format(Locale.ROOT, "%.0f", value))
            + " " + "KMGT".charAt(unit - 1) + "iB";
    }

    /** Physical memory as the JVM reports it (bounded by a container's limit), else /proc/meminfo, else 8 GiB. */
    static long physicalMemory() {
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getTotalMemorySize() > 0) {
            return sun.getTotalMemorySize();
        }
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // No figure from the system: fall through to a conservative guess.
        }
        return 8L << 30;
    }

    /** A user's text for a message: control characters escaped, at most 64 characters. */
    private static String printable(final String text) {
        final StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < text.length() && i < 64; i++) {
            final char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.append(text.length() > 64 ? "...'" : "'").toString();
    }
}
