package dev.obscura.backend;

import dev.obscura.ring.RingTensor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The reference kernels over windows, {@link JavaBackend}'s convolutions and window gather and scatter: every one
 * is a walk over the taps of one {@link WindowGeometry} ({@link #forEachTap}), so the index arithmetic that places
 * a window on the input is written once.
 *
 * <p>Every kernel starts its output from zero and adds into it. Ring addition is associative and commutative, so
 * the order in which the taps arrive does not change a single bit; the contract's overwrite semantics follow.
 */
final class JavaWindowKernels {
    private JavaWindowKernels() {
    }

    /**
     * One tap: position {@code position} of window {@code window}, in plane {@code plane}, reads input element
     * {@code input} (a flat index into {@code [N, C, H, W]}).
     */
    @FunctionalInterface
    private interface Tap {
        void at(int plane, int window, int position, int input);
    }

    /**
     * Visits every tap of {@code g} that lies inside the input (padding reads zeros, so those taps add nothing), in
     * the order plane, window row, window column, kernel row, kernel column.
     */
    private static void forEachTap(final WindowGeometry g, final Tap tap) {
        final int planes = (int) g.planes();
        final int h = g.inH();
        final int w = g.inW();
        int window = 0;
        for (int plane = 0; plane < planes; plane++) {
            final int base = plane * h * w;
            for (int y = 0; y < g.outH(); y++) {
                for (int x = 0; x < g.outW(); x++, window++) {
                    for (int i = 0; i < g.kernelH(); i++) {
                        final int iy = y * g.strideH() + i - g.padH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int j = 0; j < g.kernelW(); j++) {
                            final int ix = x * g.strideW() + j - g.padW();
                            if (ix >= 0 && ix < w) {
                                tap.at(plane, window, i * g.kernelW() + j, base + iy * w + ix);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code out[n, o, y, x] = sum_{c, i, j} input[n, c, y*sH + i - pH, x*sW + j - pW] * weight[o, c, i, j]}: every
     * tap of plane {@code (n, c)} adds its input element times the weight of its position into each filter's
     * output.
     */
    static void conv2d(final RingTensor input, final RingTensor weight, final Conv2dSpec spec, final RingTensor out) {
        final KernelChecks.Conv conv = KernelChecks.conv2d(input, weight, spec, out);
        try {
            final UnsafeBuffer in = input.buffer();
            final UnsafeBuffer w = weight.buffer();
            final UnsafeBuffer o = out.buffer();
            zero(out);
            final Filters f = new Filters(conv);
            forEachTap(conv.window(), (plane, window, position, at) -> {
                final long x = in.getLong(at << 3);
                for (int oc = 0; oc < f.count; oc++) {
                    add(o, f.output(plane, window, oc), x * w.getLong(f.weight(plane, position, oc) << 3));
                }
            });
        } finally {
            JavaBackend.keepAlive(input, weight, out);
        }
    }

    /**
     * The adjoint of {@link #conv2d}: every product {@code input[n, c, iy, ix] * weight[o, c, i, j]} that the
     * forward pass adds into {@code out[n, o, y, x]} becomes {@code gradOut[n, o, y, x] * weight[o, c, i, j]}
     * added into {@code gradInput[n, c, iy, ix]}.
     */
    static void conv2dBackwardInput(final RingTensor gradOut, final RingTensor weight, final Conv2dSpec spec,
                                    final RingTensor gradInput) {
        final KernelChecks.Conv conv = KernelChecks.conv2dBackwardInput(gradOut, weight, spec, gradInput);
        try {
            final UnsafeBuffer go = gradOut.buffer();
            final UnsafeBuffer w = weight.buffer();
            final UnsafeBuffer gi = gradInput.buffer();
            zero(gradInput);
            final Filters f = new Filters(conv);
            forEachTap(conv.window(), (plane, window, position, at) -> {
                long acc = 0;
                for (int oc = 0; oc < f.count; oc++) {
                    acc += go.getLong(f.output(plane, window, oc) << 3)
                        * w.getLong(f.weight(plane, position, oc) << 3);
                }
                add(gi, at, acc);
            });
        } finally {
            JavaBackend.keepAlive(gradOut, weight, gradInput);
        }
    }

    /**
     * {@code gradWeight[o, c, i, j] = sum_{n, y, x} gradOut[n, o, y, x] * input[n, c, y*sH + i - pH, x*sW + j - pW]}:
     * the same taps, adding into the weight of their position.
     */
    static void conv2dBackwardWeight(final RingTensor input, final RingTensor gradOut, final Conv2dSpec spec,
                                     final RingTensor gradWeight) {
        final KernelChecks.Conv conv = KernelChecks.conv2dBackwardWeight(input, gradOut, spec, gradWeight);
        try {
            final UnsafeBuffer in = input.buffer();
            final UnsafeBuffer go = gradOut.buffer();
            final UnsafeBuffer gw = gradWeight.buffer();
            zero(gradWeight);
            final Filters f = new Filters(conv);
            forEachTap(conv.window(), (plane, window, position, at) -> {
                final long x = in.getLong(at << 3);
                for (int oc = 0; oc < f.count; oc++) {
                    add(gw, f.weight(plane, position, oc), go.getLong(f.output(plane, window, oc) << 3) * x);
                }
            });
        } finally {
            JavaBackend.keepAlive(input, gradOut, gradWeight);
        }
    }

    /** Every tap adds its input element into its slot of {@code out} in {@code layout}. */
    static void windowGather(final RingTensor input, final WindowGeometry g, final WindowLayout layout,
                             final RingTensor out) {
        KernelChecks.windowGather(input, g, layout, out);
        try {
            final UnsafeBuffer in = input.buffer();
            final UnsafeBuffer o = out.buffer();
            final long ps = layout.positionStride(g);
            final long ws = layout.windowStride(g);
            zero(out);
            forEachTap(g, (plane, window, position, at) ->
                add(o, (int) (position * ps + window * ws), in.getLong(at << 3)));
        } finally {
            JavaBackend.keepAlive(input, out);
        }
    }

    /** Every tap adds its slot of {@code windows} in {@code layout} into the input element it reads. */
    static void windowScatterAdd(final RingTensor windows, final WindowGeometry g, final WindowLayout layout,
                                 final RingTensor out) {
        KernelChecks.windowScatterAdd(windows, g, layout, out);
        try {
            final UnsafeBuffer src = windows.buffer();
            final UnsafeBuffer o = out.buffer();
            final long ps = layout.positionStride(g);
            final long ws = layout.windowStride(g);
            zero(out);
            forEachTap(g, (plane, window, position, at) ->
                add(o, at, src.getLong((int) (position * ps + window * ws) << 3)));
        } finally {
            JavaBackend.keepAlive(windows, out);
        }
    }

    /**
     * Where a convolution's taps meet its filters: plane {@code plane = n * C + c} and window
     * {@code window = plane * outH * outW + s} of the input give output element {@code [n, o, s]} and weight
     * element {@code [o, c, position]} for each filter {@code o}.
     */
    private static final class Filters {
        final int count;
        private final int channels;
        private final int spatial;
        private final int window;

        Filters(final KernelChecks.Conv conv) {
            final WindowGeometry g = conv.window();
            this.count = conv.outChannels();
            this.channels = g.channels();
            this.spatial = (int) g.planeWindows();
            this.window = g.windowSize();
        }

        int output(final int plane, final int inputWindow, final int o) {
            final int n = plane / channels;
            return (n * count + o) * spatial + inputWindow - plane * spatial;
        }

        int weight(final int plane, final int position, final int o) {
            return (o * channels + plane % channels) * window + position;
        }
    }

    private static void add(final UnsafeBuffer buffer, final int index, final long value) {
        final int at = index << 3;
        buffer.putLong(at, buffer.getLong(at) + value);
    }

    private static void zero(final RingTensor t) {
        t.buffer().setMemory(0, (int) (t.numel() << 3), (byte) 0);
    }
}
