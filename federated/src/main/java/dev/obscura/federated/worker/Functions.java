package dev.obscura.federated.worker;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.ring.Shapes;
import java.util.List;

/**
 * Each {@link TensorFunction} as a differentiable function on a {@link Tape}, written once over
 * {@link TensorEngine} and {@link ElementwiseOps}: a worker runs it on plaintext tensors (with gradients where an
 * input requires one) and on a secure group's shares (without). The layers' functions come from
 * {@link Functional}; the arithmetic ones record their own backward closures, each sending a fresh gradient to
 * every input that requires one:
 *
 * <pre>
 *   a + b:  da = dy,           db = dy          a - b:   da = dy,       db = -dy
 *   a * b:  da = dy * b,       db = dy * a      c * a:   da = c dy
 *   a * a:  da = 2 dy * a                       sum(a):  da = dy (every element), mean: dy / n
 *   a · b:  da = dy · b^T,     db = a^T · dy    a^T:     da = dy^T
 *   softmax: da = y * (dy - rowSum(dy * y))
 * </pre>
 */
final class Functions {
    private Functions() {
    }

    /** {@code fn} of {@code in} (all on one tape), recorded on that tape. */
    static <T> Variable<T> apply(final TensorFunction fn, final List<Variable<T>> in, final int[] ints,
                                 final float scalar, final ElementwiseOps<T> ew) {
        final Variable<T> x = in.get(0);
        final Tape<T> tape = x.tape();
        final TensorEngine<T> e = tape.engine();
        final Variable<T> y = in.size() > 1 ? in.get(1) : null;
        final Variable<T> bias = in.size() > 2 ? in.get(2) : null;
        final boolean grad = fn != TensorFunction.COPY && in.stream().anyMatch(Variable::requiresGrad);
        return switch (fn) {
            case ADD -> tape.record(e.add(x.value(), y.value()), grad, dy -> {
                accumulate(tape, x, () -> e.scale(dy, 1f));
                accumulate(tape, y, () -> e.scale(dy, 1f));
            });
            case SUB -> tape.record(e.sub(x.value(), y.value()), grad, dy -> {
                accumulate(tape, x, () -> e.scale(dy, 1f));
                accumulate(tape, y, () -> e.scale(dy, -1f));
            });
            case MUL -> tape.record(ew.mul(x.value(), y.value()), grad, dy -> {
                accumulate(tape, x, () -> ew.mul(dy, y.value()));
                accumulate(tape, y, () -> ew.mul(dy, x.value()));
            });
            case SCALE -> tape.record(e.scale(x.value(), scalar), grad,
                dy -> accumulate(tape, x, () -> e.scale(dy, scalar)));
            case SQUARE -> tape.record(ew.mul(x.value(), x.value()), grad,
                dy -> accumulate(tape, x, () -> e.scale(ew.mul(dy, x.value()), 2f)));
            case SUM -> {
                final int[] shape = e.shape(x.value());
                yield tape.record(ew.sumAll(x.value()), grad, dy -> accumulate(tape, x, () -> ew.expand(dy, shape)));
            }
            case MEAN -> {
                final int[] shape = e.shape(x.value());
                final float inverse = 1f / Math.max(1, Shapes.numel(shape));
                yield tape.record(e.scale(ew.sumAll(x.value()), inverse), grad,
                    dy -> accumulate(tape, x, () -> ew.expand(e.scale(dy, inverse), shape)));
            }
            case MATMUL -> tape.record(e.matmul(x.value(), y.value(), false, false), grad, dy -> {
                accumulate(tape, x, () -> e.matmul(dy, y.value(), false, true));
                accumulate(tape, y, () -> e.matmul(x.value(), dy, true, false));
            });
            case TRANSPOSE -> tape.record(ew.transpose(x.value()), grad,
                dy -> accumulate(tape, x, () -> ew.transpose(dy)));
            case SOFTMAX -> {
                final T probabilities = e.softmax(x.value());
                yield tape.record(probabilities, grad,
                    dy -> accumulate(tape, x, () -> ew.softmaxBackward(probabilities, dy)));
            }
            case RESHAPE -> Functional.reshape(x, ints);
            case FLATTEN -> Functional.flatten(x);
            case RELU -> Functional.relu(x);
            case LINEAR -> Functional.linear(x, y, bias);
            case CONV2D -> Functional.conv2d(x, y, bias, new Conv2dSpec(ints[0], ints[1], ints[2], ints[3]));
            case MAX_POOL2D -> Functional.maxPool2d(x, ints[0], ints[0], ints[1], ints[1]);
            case AVG_POOL2D -> Functional.avgPool2d(x, ints[0], ints[0], ints[1], ints[1]);
            case COPY -> tape.record(ew.copy(x.value(), e.shape(x.value())), false, null);
        };
    }

    private static <T> void accumulate(final Tape<T> tape, final Variable<T> v,
                                       final java.util.function.Supplier<T> gradient) {
        if (v.requiresGrad()) {
            tape.accumulate(v, gradient.get());
        }
    }
}
