package dev.obscura.benchmarks;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import java.util.SplittableRandom;

/**
 * The secure workloads of the issue, each with the shapes of its two inputs, the secure operation, and the same
 * computation in plaintext {@code float} (the twin). CrypTen 0.4 timings of the same workloads are quoted in
 * {@code docs/PERFORMANCE.md}.
 */
enum SecureWorkload {
    /** 256 x 256 times 256 x 256, fixed point, truncated once. */
    MATMUL_256("matmul-256", new int[] {256, 256}, new int[] {256, 256}),
    /** 512 x 512 times 512 x 512, fixed point, truncated once. */
    MATMUL_512("matmul-512", new int[] {512, 512}, new int[] {512, 512}),
    /** Elementwise product of 2^20 fixed-point values, truncated. */
    MUL_2_20("mul-2^20", new int[] {1 << 20}, new int[] {1 << 20}),
    /** ReLU of 2^20 values, exact comparison. */
    RELU_2_20("relu-2^20", new int[] {1 << 20}, null),
    /** Max-pooling 2 x 2, stride 2, of a 64 x 16 x 24 x 24 tensor, with the argmax mask for the backward pass. */
    MAXPOOL_2X2("maxpool-64x16x24x24", new int[] {64, 16, 24, 24}, null);

    final String label;
    final int[] shapeX;
    final int[] shapeY;

    SecureWorkload(final String label, final int[] shapeX, final int[] shapeY) {
        this.label = label;
        this.shapeX = shapeX;
        this.shapeY = shapeY;
    }

    static SecureWorkload byLabel(final String label) {
        for (final SecureWorkload w : values()) {
            if (w.label.equals(label)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload " + label);
    }

    /** Runs the secure operation on this party's shares and releases the result. */
    void runSecure(final SecureOps ops, final SecretTensor x, final SecretTensor y) {
        switch (this) {
            case MATMUL_256, MATMUL_512 -> ops.matmul(x, y, false, false).close();
            case MUL_2_20 -> ops.mul(x, y).close();
            case RELU_2_20 -> ops.relu(x).close();
            case MAXPOOL_2X2 -> ops.maxPool2d(x, 2, 2, 2, 2).close();
            default -> throw new IllegalStateException(label);
        }
    }

    /** Uniform inputs in [-1, 1) for operand {@code shape} (test data, not secrets). */
    static double[] inputs(final int[] shape, final long seed) {
        long n = 1;
        for (final int d : shape) {
            n *= d;
        }
        return new SplittableRandom(seed).doubles(n, -1, 1).toArray();
    }
}
