package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class WindowGeometryTest {

    @Test
    void shouldDeriveTheOutputSizeOfPoolingAndConvolution() {
        final WindowGeometry pool = WindowGeometry.pooling("maxPool2d", new int[] {64, 16, 24, 24}, 2, 2, 2, 2);
        assertEquals(12, pool.outH());
        assertEquals(12, pool.outW());
        assertEquals(4, pool.windowSize());
        assertEquals(64L * 16, pool.planes());
        assertEquals(144L, pool.planeWindows());
        assertEquals(64L * 16 * 144, pool.windows());
        assertArrayEquals(new int[] {64, 16, 24, 24}, pool.inputShape());
        assertArrayEquals(new int[] {64, 16, 12, 12}, pool.outputShape());

        // Windows that do not tile the input: floor((7 - 3) / 2) + 1 = 3 rows, floor((8 - 2) / 3) + 1 = 3 columns.
        final WindowGeometry partial = WindowGeometry.pooling("avgPool2d", new int[] {1, 1, 7, 8}, 3, 2, 2, 3);
        assertEquals(3, partial.outH());
        assertEquals(3, partial.outW());

        final WindowGeometry conv = WindowGeometry.convolution("conv2d", new int[] {2, 3, 5, 6}, new int[] {4, 3, 3, 2},
            new Conv2dSpec(2, 1, 1, 0));
        assertEquals(3, conv.outH());
        assertEquals(5, conv.outW());
        assertArrayEquals(new int[] {2, 4, 3, 5}, conv.outputShape(4));
        assertEquals(Conv2dSpec.of(2, 1).outH(5, 3), WindowGeometry.outputSize(5, 3, 2, 1));

        // A kernel larger than the input fits when the padding makes room; an empty input reads padding only.
        assertEquals(1, WindowGeometry.of("conv2d", new int[] {1, 1, 3, 3}, 5, 5, 1, 1, 1, 1).outH());
        assertEquals(2, WindowGeometry.of("test", new int[] {1, 1, 0, 0}, 1, 1, 1, 1, 1, 1).outW());
    }

    @Test
    void shouldRejectBadGeometriesNamingTheOperationAndTheFacts() {
        rejects(() -> WindowGeometry.pooling("maxPool2d", new int[] {1, 1, 3, 4}, 4, 2, 1, 1), "maxPool2d", "kH=4");
        rejects(() -> WindowGeometry.pooling("maxPool2d", new int[] {1, 3, 4}, 2, 2, 1, 1), "maxPool2d",
            "input=[1, 3, 4]");
        rejects(() -> WindowGeometry.pooling("p", null, 2, 2, 1, 1), "p ", "input=null");
        rejects(() -> WindowGeometry.pooling("p", new int[] {1, -1, 4, 4}, 2, 2, 1, 1), "p ", "input=[1, -1, 4, 4]");
        rejects(() -> WindowGeometry.pooling("p", new int[] {1, 1, 4, 4}, 0, 2, 1, 1), "p ", "kH=0");
        rejects(() -> WindowGeometry.pooling("p", new int[] {1, 1, 4, 4}, 2, 2, 1, 0), "p ", "sW=0");
        rejects(() -> WindowGeometry.of("p", new int[] {1, 1, 4, 4}, 2, 2, 1, 1, -1, 0), "p ", "pH=-1");
        rejects(() -> WindowGeometry.of("p", new int[] {1, 1, 4, 4}, 2, 2, 1, 1, 0, Integer.MAX_VALUE), "p ",
            "pW=" + Integer.MAX_VALUE);
        rejects(() -> WindowGeometry.of("p", new int[] {1, 1, 70000, 70000}, 70000, 70000, 1, 1, 0, 0), "p ",
            "kH=70000");
        rejects(() -> WindowGeometry.convolution("conv2d", new int[] {1, 2, 5, 5}, new int[] {3, 1, 3, 3},
            Conv2dSpec.of(1, 0)), "conv2d", "weight=[3, 1, 3, 3]");
        rejects(() -> WindowGeometry.convolution("conv2d", new int[] {1, 2, 5, 5}, new int[] {3, 2, 3}, null),
            "conv2d", "spec=null");
        rejects(() -> WindowGeometry.outputSize(2, 3, 1, 0), "", "kernel=3");
        rejects(() -> WindowGeometry.outputSize(2, 1, 0, 0), "", "stride=0");
        rejects(() -> Conv2dSpec.of(1, 0).outW(2, 3), "", "input=2");
    }

    @Test
    void shouldRequireTheOutputShapeItDerives() {
        final WindowGeometry g = WindowGeometry.pooling("avgPool2dBackward", new int[] {2, 3, 6, 6}, 2, 2, 2, 2);
        g.requireOutputShape("avgPool2dBackward", "gradOut", new int[] {2, 3, 3, 3}, 3);
        g.requireOutputShape("conv2dBackwardInput", "gradOut", new int[] {2, 5, 3, 3}, 5);
        rejects(() -> g.requireOutputShape("avgPool2dBackward", "gradOut", new int[] {2, 3, 3, 4}, 3),
            "avgPool2dBackward gradOut must have shape [2, 3, 3, 3]", "gradOut=[2, 3, 3, 4]");
    }

    @Test
    void shouldLayOutWindowsAsEachLayoutSays() {
        final WindowGeometry g = WindowGeometry.of("test", new int[] {2, 3, 7, 8}, 3, 2, 2, 3, 1, 0);
        final long windows = 2L * 3 * 4 * 3;
        assertEquals(windows, g.windows());
        assertArrayEquals(new int[] {6, (int) windows}, WindowLayout.POSITION_ROWS.shape(g));
        assertArrayEquals(new int[] {2, 3, 4, 3, 6}, WindowLayout.WINDOW_ROWS.shape(g));
        assertArrayEquals(new int[] {2, 3, 4, 3}, WindowLayout.WINDOW_SUM.shape(g));
        assertEquals(windows, WindowLayout.POSITION_ROWS.positionStride(g));
        assertEquals(1, WindowLayout.POSITION_ROWS.windowStride(g));
        assertEquals(1, WindowLayout.WINDOW_ROWS.positionStride(g));
        assertEquals(6, WindowLayout.WINDOW_ROWS.windowStride(g));
        assertEquals(0, WindowLayout.WINDOW_SUM.positionStride(g));
        assertEquals(1, WindowLayout.WINDOW_SUM.windowStride(g));
        final WindowGeometry huge = WindowGeometry.pooling("test", new int[] {1 << 16, 1 << 16, 1, 1}, 1, 1, 1, 1);
        rejects(() -> WindowLayout.POSITION_ROWS.shape(huge), "too many windows", "windows=4294967296");
    }

    @Test
    void shouldCompareByValueAndPrintItsFacts() {
        final WindowGeometry a = WindowGeometry.of("x", new int[] {1, 2, 5, 5}, 3, 3, 1, 1, 1, 1);
        final WindowGeometry b = WindowGeometry.convolution("y", new int[] {1, 2, 5, 5}, new int[] {7, 2, 3, 3},
            Conv2dSpec.of(1, 1));
        final WindowGeometry c = WindowGeometry.of("x", new int[] {1, 2, 5, 5}, 3, 3, 1, 1, 0, 1);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
        assertEquals("WindowGeometry[input=[1, 2, 5, 5], kH=3, kW=3, sH=1, sW=1, pH=1, pW=1, outH=5, outW=5]",
            a.toString());
    }

    private static void rejects(final Executable call, final String prefix, final String fact) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().contains(fact), e.getMessage());
    }
}
