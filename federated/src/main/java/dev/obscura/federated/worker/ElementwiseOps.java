package dev.obscura.federated.worker;

import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;

/**
 * The operations a worker's functions need beyond {@link dev.obscura.nn.engine.TensorEngine}, for each kind of
 * tensor a worker holds: plaintext {@code float} tensors ({@link #PLAIN}) and this party's shares in a secure group
 * ({@link #secure}). Every result is a new tensor that owns its memory (never a view).
 *
 * @param <T> the engine's tensor type
 */
interface ElementwiseOps<T> {

    /** {@code a * b} elementwise, same shapes. */
    T mul(T a, T b);

    /** The sum of every element, shape {@code []}. */
    T sumAll(T a);

    /** The transpose of a matrix. */
    T transpose(T a);

    /** A copy of {@code a} (of a view, say) with {@code shape}, of the same element count. */
    T copy(T a, int[] shape);

    /** A tensor of {@code shape} whose every element is the one element of {@code scalar} (backward of a sum). */
    T expand(T scalar, int[] shape);

    /** Backward of softmax along the last axis: {@code y * (dy - rowSum(dy * y))}. */
    T softmaxBackward(T y, T dy);

    /** Plaintext {@code float} tensors. */
    ElementwiseOps<PlainTensor> PLAIN = new ElementwiseOps<>() {
        @Override
        public PlainTensor mul(final PlainTensor a, final PlainTensor b) {
            final float[] x = a.data();
            final float[] y = b.data();
            final float[] out = new float[x.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = x[i] * y[i];
            }
            return new PlainTensor(out, a.shape());
        }

        @Override
        public PlainTensor sumAll(final PlainTensor a) {
            double s = 0;
            for (final float v : a.data()) {
                s += v;
            }
            return new PlainTensor(new float[] {(float) s});
        }

        @Override
        public PlainTensor transpose(final PlainTensor a) {
            final int rows = a.dim(0);
            final int cols = a.dim(1);
            final float[] x = a.data();
            final float[] out = new float[x.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    out[c * rows + r] = x[r * cols + c];
                }
            }
            return new PlainTensor(out, cols, rows);
        }

        @Override
        public PlainTensor copy(final PlainTensor a, final int[] shape) {
            return new PlainTensor(a.data().clone(), shape);
        }

        @Override
        public PlainTensor expand(final PlainTensor scalar, final int[] shape) {
            final float[] out = new float[Math.toIntExact(Shapes.numel(shape))];
            java.util.Arrays.fill(out, scalar.data()[0]);
            return new PlainTensor(out, shape);
        }

        @Override
        public PlainTensor softmaxBackward(final PlainTensor y, final PlainTensor dy) {
            final int k = y.dim(1);
            final float[] p = y.data();
            final float[] g = dy.data();
            final float[] out = new float[p.length];
            for (int row = 0; row < y.dim(0); row++) {
                double dot = 0;
                for (int j = 0; j < k; j++) {
                    dot += (double) g[row * k + j] * p[row * k + j];
                }
                for (int j = 0; j < k; j++) {
                    out[row * k + j] = (float) (p[row * k + j] * (g[row * k + j] - dot));
                }
            }
            return new PlainTensor(out, y.shape());
        }
    };

    /** This party's shares under {@code ops}: products by the suite's protocol, the rest local re-indexing. */
    static ElementwiseOps<SecretTensor> secure(final SecureOps ops) {
        return new ElementwiseOps<>() {
            @Override
            public SecretTensor mul(final SecretTensor a, final SecretTensor b) {
                return ops.mul(a, b);
            }

            @Override
            public SecretTensor sumAll(final SecretTensor a) {
                // The view and the row sum belong to the open scope (a tape's), which releases the row sum.
                final SecretTensor row = ops.sum(a.reshape(1, Math.toIntExact(a.numel())), 1);
                return copy(row, new int[0]);
            }

            @Override
            public SecretTensor transpose(final SecretTensor a) {
                final int rows = a.shape()[0];
                final int cols = a.shape()[1];
                final RingTensor in = a.share();
                final RingTensor out = RingTensor.uninitialized(cols, rows);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        out.set((long) c * rows + r, in.get((long) r * cols + c));
                    }
                }
                return ops.adopt(out, a.fracBits());
            }

            @Override
            public SecretTensor copy(final SecretTensor a, final int[] shape) {
                final RingTensor out = RingTensor.uninitialized(shape);
                out.copyFrom(a.share());
                return ops.adopt(out, a.fracBits());
            }

            @Override
            public SecretTensor expand(final SecretTensor scalar, final int[] shape) {
                throw new UnsupportedOperationException("no gradients on shares");
            }

            @Override
            public SecretTensor softmaxBackward(final SecretTensor y, final SecretTensor dy) {
                throw new UnsupportedOperationException("no gradients on shares");
            }
        };
    }
}
