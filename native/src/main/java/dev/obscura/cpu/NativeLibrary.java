package dev.obscura.cpu;

import java.util.Locale;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;

/**
 * Loads {@code libjniobscura} once per process (on first use, never in a static initialiser that discovery would
 * trigger) and remembers either what the CPU offers (SIMD level, GEMM paths, CPUID vendor, family and model) or, in
 * one line, why the library cannot run here. On a CPU with AMX, loading also asks Linux for the tile state.
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

    /** Values of {@code CpuKernels.amxState()} (cpu_features.h AmxState), as reasons; index 0 is "usable". */
    private static final String[] AMX_STATES = {null, "this CPU has no AMX-INT8 (with AVX-512)",
        "the OS does not enable the AMX tile state (XCR0)",
        "Linux refused the AMX tile state, arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) failed",
        "the library was built by a compiler without AMX support"};
    /** Vendors of {@code CpuKernels.cpuSignature()} (cpu_features.h CpuVendor). */
    private static final String[] VENDORS = {"other", "GenuineIntel", "AuthenticAMD"};

    private final String failure;
    private final SimdLevel maxLevel;
    private final int features;
    private final int amxState;
    private final int cpuSignature;
    private final int poolSize;

    private NativeLibrary(final String failure, final SimdLevel maxLevel, final int features, final int amxState,
                          final int cpuSignature, final int poolSize) {
        this.failure = failure;
        this.maxLevel = maxLevel;
        this.features = features;
        this.amxState = amxState;
        this.cpuSignature = cpuSignature;
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

    /** Empty when this CPU runs {@code path}, else why not, in one line. */
    Optional<String> gemmPathUnavailable(final GemmPath path) {
        final String reason;
        switch (path) {
            case AMX:
                reason = amxState >= 0 && amxState < AMX_STATES.length ? AMX_STATES[amxState]
                    : "unknown AMX state, state=" + amxState;
                break;
            case VNNI:
                reason = (features & CpuKernels.FEATURE_AVX512_VNNI) != 0 ? null
                    : "this CPU has no AVX-512 VNNI (with AVX-512 F, DQ, BW, VL)";
                break;
            default:
                final SimdLevel needs = path == GemmPath.VPMULLQ ? SimdLevel.AVX512
                    : path == GemmPath.AVX2 ? SimdLevel.AVX2 : SimdLevel.SCALAR;
                reason = needs.ordinal() <= maxLevel.ordinal() ? null
                    : "this CPU cannot run SIMD level " + needs.label() + ", best=" + maxLevel.label();
                break;
        }
        return Optional.ofNullable(reason);
    }

    /**
     * The GEMM path a backend at {@code level} uses unless the settings force one: the AMX limb GEMM where it runs
     * (only at the AVX-512 level), else the level's own word-multiply GEMM. On Intel cores {@code vpmullq} is three
     * micro-ops (8 products per 1.5 cycles), which AMX's 1,024 int8 multiply-adds per cycle beat even at 36 limb
     * products per ring product; without AMX, VNNI needs 36/64 of a {@code vpdpbusd} per ring product against 1/8 of
     * a {@code vpmullq}, which does not pay on any CPU we know (docs/LIMB_GEMM.md, "Path selection"), so the word
     * path stays.
     */
    GemmPath defaultGemmPath(final SimdLevel level) {
        if (level == SimdLevel.AVX512 && gemmPathUnavailable(GemmPath.AMX).isEmpty()) {
            return GemmPath.AMX;
        }
        return GemmPath.ofLevel(level);
    }

    /** The CPU as CPUID reports it, for example {@code GenuineIntel family 6 model 207}. */
    String cpuDescription() {
        final int vendor = cpuSignature >>> 20;
        return (vendor < VENDORS.length ? VENDORS[vendor] : "other") + " family " + ((cpuSignature >>> 8) & 0xFFF)
            + " model " + (cpuSignature & 0xFF);
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
            final int amx = CpuKernels.amxState();
            final int signature = CpuKernels.cpuSignature();
            final int pool = CpuKernels.initPool(threads);
            return new NativeLibrary(null, SimdLevel.values()[level], features, amx, signature, pool);
        } catch (final LinkageError | RuntimeException e) {
            // UnsatisfiedLinkError (no library in the jar, wrong glibc, ...), NoClassDefFoundError (JavaCPP missing).
            return failed("native library jniobscura could not be loaded: " + oneLine(e));
        }
    }

    private static NativeLibrary failed(final String reason) {
        return new NativeLibrary(reason, SimdLevel.SCALAR, 0, 1, 0, 1);
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
