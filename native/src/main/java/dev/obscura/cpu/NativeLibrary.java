package dev.obscura.cpu;

import java.util.Locale;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;

/**
 * Loads {@code libjniobscura} once per process (on first use, never in a static initialiser that discovery would
 * trigger) and remembers either what the CPU offers or, in one line, why the library cannot run here.
 *
 * <p>Loading also creates the native thread pool, sized by system property {@value NativeCpuBackend#THREADS_PROPERTY}
 * (else environment variable {@value NativeCpuBackend#THREADS_ENVIRONMENT}, else the available processors). Every
 * backend instance in the process shares that one pool.
 *
 * <p>Thread-safe.
 */
final class NativeLibrary {
    /** Where the build puts the library, relative to this package, as JavaCPP's Loader expects it. */
    private static final String PLATFORM = "linux-x86_64";
    private static final String LIBRARY_FILE = "libjniobscura.so";
    private static final Object LOCK = new Object();
    private static volatile NativeLibrary loaded;

    private final String failure;
    private final SimdLevel maxLevel;
    private final int features;
    private final int poolSize;

    private NativeLibrary(final String failure, final SimdLevel maxLevel, final int features, final int poolSize) {
        this.failure = failure;
        this.maxLevel = maxLevel;
        this.features = features;
        this.poolSize = poolSize;
    }

    /** The process-wide state, loading the library on the first call. */
    static NativeLibrary get() {
        NativeLibrary l = loaded;
        if (l == null) {
            synchronized (LOCK) {
                l = loaded;
                if (l == null) {
                    l = load();
                    loaded = l;
                }
            }
        }
        return l;
    }

    /** Empty when the library is loaded, else why not, in one line. */
    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** The highest level the CPU runs; only meaningful when loaded. */
    SimdLevel maxLevel() {
        return maxLevel;
    }

    /** Whether the CPU has AES-NI. */
    boolean hasAesNi() {
        return (features & CpuKernels.FEATURE_AES) != 0;
    }

    /** Participants of the shared pool, the calling thread included. */
    int poolSize() {
        return poolSize;
    }

    private static NativeLibrary load() {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return failed("no native library for this platform (built for linux-x86_64), os.name="
                + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch"));
        }
        final int threads;
        try {
            threads = NativeSettings.configuredThreads();
        } catch (final IllegalArgumentException e) {
            return failed(e.getMessage());
        }
        if (CpuKernels.class.getResource(PLATFORM + "/" + LIBRARY_FILE) == null) {
            return failed("the obscura-native jar holds no " + PLATFORM + "/" + LIBRARY_FILE
                + " (it was built without CMake or a C++ compiler)");
        }
        try {
            Loader.load(CpuKernels.class);
            final int level = CpuKernels.maxLevel();
            final int features = CpuKernels.features();
            final int pool = CpuKernels.initPool(threads);
            return new NativeLibrary(null, SimdLevel.values()[level], features, pool);
        } catch (final LinkageError | RuntimeException e) {
            // UnsatisfiedLinkError (no library in the jar, wrong glibc, ...), NoClassDefFoundError (JavaCPP missing).
            return failed("native library jniobscura could not be loaded: " + oneLine(e));
        }
    }

    private static NativeLibrary failed(final String reason) {
        return new NativeLibrary(reason, SimdLevel.SCALAR, 0, 1);
    }

    /** A throwable as one line fit for an unavailability reason: its class and the first line of its message. */
    static String oneLine(final Throwable e) {
        final String message = e.getMessage() == null ? "" : e.getMessage();
        final int newline = message.indexOf('\n');
        final String first = newline < 0 ? message : message.substring(0, newline);
        final String trimmed = first.length() > 300 ? first.substring(0, 300) + "..." : first;
        return e.getClass().getSimpleName() + (trimmed.isEmpty() ? "" : ": " + trimmed);
    }
}
