package dev.obscura.nn.loss;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import java.util.Objects;

/**
 * Mean squared error over every element, PyTorch's {@code nn.MSELoss()}: for predictions {@code p} and targets
 * {@code t} of {@code M} elements, {@code L = (1/M) sum (p - t)^2} and {@code dL/dp = (2/M) (p - t)}, the
 * gradient through {@link TensorEngine#sub} and {@link TensorEngine#scale}.
 */
public final class MeanSquaredError {
    private MeanSquaredError() {
    }

    /**
     * The loss of {@code predictions} (on a tape) against {@code targets} (row-major, as many values; not retained).
     *
     * @throws IllegalArgumentException when the element counts differ
     */
    public static <T> Loss<T> of(final Variable<T> predictions, final float[] targets) {
        final Tape<T> tape = Objects.requireNonNull(predictions.tape(), "predictions must be on a tape");
        final TensorEngine<T> e = tape.engine();
        final int[] shape = e.shape(predictions.value());
        long count = 1;
        for (final int d : shape) {
            count *= d;
        }
        if (count != targets.length || count == 0) {
            throw new IllegalArgumentException("targets must have one value per prediction, predictions="
                + count + ", targets=" + targets.length);
        }
        final float[] ownTargets = targets.clone();
        final long m = count;
        return new Loss<>() {
            @Override
            public double value() {
                final float[] p = e.toFloats(predictions.value());
                double sum = 0;
                for (int i = 0; i < p.length; i++) {
                    final double d = (double) p[i] - ownTargets[i];
                    sum += d * d;
                }
                return sum / m;
            }

            @Override
            public void backward() {
                final T target = e.fromFloats(ownTargets, shape);
                final T diff = e.sub(predictions.value(), target);
                e.release(target);
                final T seed = e.scale(diff, (float) (2.0 / m));
                e.release(diff);
                tape.backward(predictions, seed);
            }
        };
    }
}
