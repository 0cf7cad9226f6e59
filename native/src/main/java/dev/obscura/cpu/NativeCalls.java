package dev.obscura.cpu;

import dev.obscura.backend.WindowGeometry;
import dev.obscura.ring.RingTensor;
import java.lang.ref.Reference;

/**
 * Native calls on the off-heap addresses of tensors, with the tensors kept alive for the call.
 *
 * <p>A tensor's memory is freed once the tensor is unreachable, and after its address has been taken nothing in the
 * caller need use the tensor again: without a fence the collector may free the memory while the kernel still works
 * on it. Each method here takes the addresses, makes the call and keeps its tensors reachable until the call has
 * returned ({@link Reference#reachabilityFence}), so a kernel is one line instead of a try/finally.
 *
 * <p>Taking the address of a closed tensor fails with {@link IllegalStateException} before any native call.
 */
final class NativeCalls {
    private NativeCalls() {
    }

    /** A native call on one address. */
    @FunctionalInterface
    interface Call1 {
        void run(long a);
    }

    /** A native call on one address that returns a value. */
    @FunctionalInterface
    interface Call1ForLong {
        long run(long a);
    }

    /** A native call on two addresses. */
    @FunctionalInterface
    interface Call2 {
        void run(long a, long b);
    }

    /** A native call on three addresses. */
    @FunctionalInterface
    interface Call3 {
        void run(long a, long b, long c);
    }

    /** A native call on four addresses. */
    @FunctionalInterface
    interface Call4 {
        void run(long a, long b, long c, long d);
    }

    static void call(final RingTensor a, final Call1 call) {
        try {
            call.run(address(a));
        } finally {
            Reference.reachabilityFence(a);
        }
    }

    static long callForLong(final RingTensor a, final Call1ForLong call) {
        try {
            return call.run(address(a));
        } finally {
            Reference.reachabilityFence(a);
        }
    }

    static void call(final RingTensor a, final RingTensor b, final Call2 call) {
        try {
            call.run(address(a), address(b));
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(b);
        }
    }

    static void call(final RingTensor a, final RingTensor b, final RingTensor c, final Call3 call) {
        try {
            call.run(address(a), address(b), address(c));
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(b);
            Reference.reachabilityFence(c);
        }
    }

    static void call(final RingTensor a, final RingTensor b, final RingTensor c, final RingTensor d,
                     final Call4 call) {
        try {
            call.run(address(a), address(b), address(c), address(d));
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(b);
            Reference.reachabilityFence(c);
            Reference.reachabilityFence(d);
        }
    }

    /**
     * A window geometry as the int[13] of kernels.h's ConvGeometry: n, c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow
     * ({@code o} is 0 for the windows of a pooling).
     */
    static int[] geometry(final WindowGeometry g, final int outChannels) {
        return new int[] {g.batch(), g.channels(), g.inH(), g.inW(), outChannels, g.kernelH(), g.kernelW(),
            g.strideH(), g.strideW(), g.padH(), g.padW(), g.outH(), g.outW()};
    }

    /** The tensor's off-heap address; fails with IllegalStateException when the tensor is closed. */
    private static long address(final RingTensor t) {
        return t.buffer().addressOffset();
    }
}
