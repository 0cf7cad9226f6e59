package dev.obscura.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendProvider;
import dev.obscura.backend.Backends;
import dev.obscura.backend.JavaBackend;
import dev.obscura.ring.FixedPointRangeException;
import dev.obscura.ring.RingTensor;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Discovery, settings and the parts of the contract that the conformance suite does not reach. */
class NativeCpuBackendTest {

    @Test
    void shouldRegisterWithRankBetweenCudaAndJava() {
        final BackendProvider provider = Backends.providers().stream()
            .filter(p -> p.name().equals(NativeCpuBackend.NAME))
            .findFirst()
            .orElseThrow();
        assertInstanceOf(NativeCpuBackendProvider.class, provider);
        assertEquals(200, provider.rank());
    }

    @Test
    void shouldReportWhyItIsUnavailableInOneLine() {
        final Optional<String> reason = new NativeCpuBackendProvider().unavailableReason();
        if (reason.isPresent()) {
            assertFalse(reason.get().contains("\n"), reason.get());
            assertFalse(NativeTestSupport.required(), "required but unavailable: " + reason.get());
        } else {
            assertEquals(NativeCpuBackend.NAME, Backends.byName(NativeCpuBackend.NAME).name());
        }
    }

    @Test
    void shouldDescribeLevelAesAndThreads() {
        NativeTestSupport.assumeLoaded();
        final NativeCpuBackend backend = NativeCpuBackend.create(SimdLevel.SCALAR, 1);
        assertTrue(backend.description().startsWith("native-cpu (scalar, "), backend.description());
        assertTrue(backend.description().endsWith(", 1 thread)"), backend.description());
        final NativeCpuBackend best = NativeCpuBackend.create();
        assertTrue(best.description().contains(best.level().label()), best.description());
        assertTrue(best.description().contains(best.threads() + " thread"), best.description());
        assertEquals(SimdLevel.SCALAR, NativeCpuBackend.supportedLevels().get(0));
    }

    @Test
    void shouldRefuseSettingsItCannotHonour() {
        NativeTestSupport.assumeLoaded();
        assertThrows(IllegalArgumentException.class, () -> NativeCpuBackend.create(SimdLevel.SCALAR, 0));
        assertThrows(IllegalArgumentException.class, () -> SimdLevel.parse("sse9"));
        assertEquals(SimdLevel.AVX512, SimdLevel.parse(" AVX512 "));
        final List<SimdLevel> levels = NativeCpuBackend.supportedLevels();
        final SimdLevel best = levels.get(levels.size() - 1);
        if (best != SimdLevel.AVX512) {
            assertThrows(IllegalArgumentException.class, () -> NativeCpuBackend.create(SimdLevel.AVX512, 1));
            assertThrows(IllegalArgumentException.class, () -> NativeSettings.configuredLevel(best));
        }
        final String previous = System.getProperty(NativeCpuBackend.SIMD_PROPERTY);
        try {
            System.setProperty(NativeCpuBackend.SIMD_PROPERTY, "scalar");
            assertEquals(SimdLevel.SCALAR, NativeCpuBackend.create().level());
            System.setProperty(NativeCpuBackend.SIMD_PROPERTY, "bogus");
            final Optional<String> reason = NativeCpuBackend.unavailableReason();
            assertTrue(reason.isPresent() && reason.get().contains("bogus"), reason.toString());
        } finally {
            if (previous == null) {
                System.clearProperty(NativeCpuBackend.SIMD_PROPERTY);
            } else {
                System.setProperty(NativeCpuBackend.SIMD_PROPERTY, previous);
            }
        }
    }

    @Test
    void shouldChooseTheGemmPathPerCpuAndHonourTheSetting() {
        NativeTestSupport.assumeLoaded();
        final NativeLibrary lib = NativeLibrary.get();
        final List<GemmPath> paths = NativeCpuBackend.supportedGemmPaths();
        assertTrue(paths.contains(GemmPath.SCALAR), paths.toString());
        for (final SimdLevel level : NativeCpuBackend.supportedLevels()) {
            assertTrue(paths.contains(GemmPath.ofLevel(level)), level + " " + paths);
            final GemmPath chosen = lib.defaultGemmPath(level);
            // AMX wherever it runs (at the AVX-512 level), else the level's own word-multiply GEMM.
            final boolean amx = level == SimdLevel.AVX512 && paths.contains(GemmPath.AMX);
            assertEquals(amx ? GemmPath.AMX : GemmPath.ofLevel(level), chosen, level.label());
        }
        final NativeCpuBackend best = NativeCpuBackend.create();
        assertEquals(lib.defaultGemmPath(best.level()), best.gemmPath());
        assertTrue(best.description().contains("gemm " + best.gemmPath().label() + ", "), best.description());
        assertTrue(best.description().contains(", cpu " + lib.cpuDescription() + ", "), best.description());
        for (final GemmPath path : GemmPath.values()) {
            final Optional<String> why = NativeCpuBackend.gemmPathUnavailableReason(path);
            assertEquals(!paths.contains(path), why.isPresent(), path.label());
            why.ifPresent(reason -> assertFalse(reason.contains("\n"), reason));
        }
        final String previous = System.getProperty(NativeCpuBackend.MATMUL_PROPERTY);
        try {
            for (final GemmPath path : GemmPath.values()) {
                System.setProperty(NativeCpuBackend.MATMUL_PROPERTY, path.label().toUpperCase(Locale.ROOT));
                if (paths.contains(path)) {
                    assertEquals(path, NativeCpuBackend.create().gemmPath());
                } else {
                    final Optional<String> reason = NativeCpuBackend.unavailableReason();
                    assertTrue(reason.isPresent() && reason.get().contains("obscura.matmul=" + path.label()),
                        reason.toString());
                    assertThrows(IllegalStateException.class, NativeCpuBackend::create);
                    assertThrows(IllegalArgumentException.class,
                        () -> NativeCpuBackend.create(SimdLevel.SCALAR, path, 1));
                }
            }
            System.setProperty(NativeCpuBackend.MATMUL_PROPERTY, "vpmulld");
            final Optional<String> reason = NativeCpuBackend.unavailableReason();
            assertTrue(reason.isPresent() && reason.get().contains("vpmulld") && reason.get().contains("amx"),
                reason.toString());
        } finally {
            if (previous == null) {
                System.clearProperty(NativeCpuBackend.MATMUL_PROPERTY);
            } else {
                System.setProperty(NativeCpuBackend.MATMUL_PROPERTY, previous);
            }
        }
    }

    @Test
    void shouldReportTheFirstOffendingIndexIntoTheSource() {
        NativeTestSupport.assumeLoaded();
        for (final SimdLevel level : NativeCpuBackend.supportedLevels()) {
            final Backend backend = NativeCpuBackend.create(level, NativeCpuBackend.poolSize());
            final double[] src = new double[200_000];
            src[150_001] = Double.NaN;
            src[180_000] = Double.POSITIVE_INFINITY;
            try (RingTensor out = RingTensor.zeros(199_990)) {
                final FixedPointRangeException e = assertThrows(FixedPointRangeException.class,
                    () -> backend.encode(src, 10, 16, out));
                assertEquals(150_001, e.index(), level.label());
                assertTrue(e.getMessage().contains("NaN"), e.getMessage());
                final float[] floats = new float[199_999];
                floats[70_000] = 1e30f;
                final FixedPointRangeException f = assertThrows(FixedPointRangeException.class,
                    () -> backend.encode(floats, 9, 16, out));
                assertEquals(70_000, f.index(), level.label());
            }
        }
    }

    @Test
    void shouldRoundTiesToEvenAtTheRangeLimits() {
        NativeTestSupport.assumeLoaded();
        final double limit = 0x1p62;
        final double[] src = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, Math.nextDown(limit), -Math.nextDown(limit),
            0x1p-1074, -0.0, 3.4999999999999996, 0x1p52 + 0.5, 0x1p53 - 0.5, 0x1p52 + 1.5};
        final Backend reference = new JavaBackend();
        for (final SimdLevel level : NativeCpuBackend.supportedLevels()) {
            final Backend backend = NativeCpuBackend.create(level, 1);
            try (RingTensor want = RingTensor.zeros(src.length); RingTensor got = RingTensor.zeros(src.length)) {
                reference.encode(src, 0, 0, want);
                backend.encode(src, 0, 0, got);
                assertTrue(want.contentEquals(got), level.label());
            }
            try (RingTensor out = RingTensor.zeros(1)) {
                assertThrows(FixedPointRangeException.class, () -> backend.encode(new double[] {limit}, 0, 0, out));
                assertThrows(FixedPointRangeException.class, () -> backend.encode(new double[] {1.0}, 0, 62, out));
            }
        }
    }

    @Test
    void shouldCarryTheCounterIntoTheNonce() {
        NativeTestSupport.assumeLoaded();
        final Backend reference = new JavaBackend();
        final byte[] key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        for (final SimdLevel level : NativeCpuBackend.supportedLevels()) {
            for (final boolean software : new boolean[] {false, true}) {
                final Backend backend = NativeCpuBackend.create(level, GemmPath.ofLevel(level),
                    NativeCpuBackend.poolSize(), software);
                // Blocks -37 .. +62 around the wrap of the low 64 bits, across SIMD group and chunk boundaries.
                for (final long first : new long[] {-37L, -1L, -16L, -15L, -8L}) {
                    try (RingTensor want = RingTensor.zeros(199); RingTensor got = RingTensor.zeros(199)) {
                        reference.aesCtrFill(key, 77L, first, want);
                        backend.aesCtrFill(key, 77L, first, got);
                        assertTrue(want.contentEquals(got), backend.description() + " firstBlock=" + first);
                    }
                }
            }
        }
    }

    @Test
    void shouldRejectClosedTensorsBeforeAnyNativeCall() {
        NativeTestSupport.assumeLoaded();
        final Backend backend = NativeCpuBackend.create();
        final RingTensor a = RingTensor.zeros(4);
        final RingTensor out = RingTensor.zeros(4);
        a.close();
        assertThrows(IllegalStateException.class, () -> backend.neg(a, out));
        assertThrows(IllegalArgumentException.class, () -> backend.add(out, RingTensor.zeros(3), out));
        out.close();
    }
}
