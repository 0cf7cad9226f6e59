package dev.obscura.nn.io;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.nn.io.ModelFormatException.Reason;
import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.Module;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.text.UntrustedText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The binding of {@link ModelData} to a {@link Module}'s parameters: what a model file holds for a model
 * ({@link #capture}) and the model with a file's weights ({@link #apply}), through any {@link TensorEngine}, so a
 * model trained in plaintext runs secret-shared and the reverse.
 *
 * <h2>Names and architecture</h2>
 * A parameter's name is its {@link Variable#name()} prefixed by its layer's index in each enclosing
 * {@link Sequential} ({@code "0.conv2d.weight"}, {@code "7.linear.bias"} for {@link MnistCnn}); the architecture is
 * a description of the layers ({@code "Sequential(Conv2d(stride=1x1, padding=0x0), ReLU, MaxPool2d, ...)"}), see
 * {@link #architecture}. {@link #apply} checks, in order, the parameter count, each parameter's name and shape (by
 * position), then the architecture string, then that the engine can hold every value, and replaces nothing unless
 * all pass. Names and architectures from a file are quoted in messages ({@link UntrustedText}).
 *
 * <h2>Secret-shared models</h2>
 * {@link #capture(Module, TensorEngine)} reads the parameters with {@link TensorEngine#toFloats}: with a
 * {@link SecureEngine} that REVEALS the weights to every party (one round per parameter), a choice that only the
 * model's owner should make; {@link #capture(Module, TensorEngine, Reveal)} opens them to one party only. Both are
 * SPMD: every party calls them (the openings are collective). {@link #apply} shares each parameter with
 * {@link TensorEngine#fromFloats}: with a {@link SecureEngine} the engine's owner provides the values and every
 * other party receives shares; a party that must not see the weights applies {@link #placeholder} (the model's
 * names and shapes with zero values, which the secure engine ignores) instead of the file.
 *
 * <p>Stateless and thread-safe; the engine and model given to each call are used as their own contracts allow (one
 * thread).
 */
public final class ModelBinding {
    /** The cap on the model's own architecture in a message: it is the program's, quoted only to delimit it. */
    private static final int OWN_TEXT_CHARS = 1000;

    private ModelBinding() {
    }

    /**
     * The description of {@code model}'s layers stored in (and checked against) a file: a {@link Sequential} is
     * {@code Sequential(<layer>, <layer>, ...)}, a {@link Conv2d} {@code Conv2d(stride=HxW, padding=HxW)}, any other
     * module its class's simple name. Shapes are not in it (the parameters carry them), nor the window sizes of
     * pooling layers.
     */
    public static String architecture(final Module<?> model) {
        Objects.requireNonNull(model, "model");
        if (model instanceof Sequential<?> s) {
            final StringJoiner j = new StringJoiner(", ", "Sequential(", ")");
            for (final Module<?> layer : s.layers()) {
                j.add(architecture(layer));
            }
            return j.toString();
        }
        if (model instanceof Conv2d<?> c) {
            return "Conv2d(stride=" + c.spec().strideH() + "x" + c.spec().strideW() + ", padding=" + c.spec().padH()
                + "x" + c.spec().padW() + ")";
        }
        final String simple = model.getClass().getSimpleName();
        return simple.isEmpty() ? model.getClass().getName() : simple;
    }

    /** The file names of {@code model}'s parameters, in {@link Module#parameters()} order. */
    public static List<String> parameterNames(final Module<?> model) {
        final List<String> names = new ArrayList<>();
        collectNames(Objects.requireNonNull(model, "model"), "", names);
        return List.copyOf(names);
    }

    private static void collectNames(final Module<?> model, final String prefix, final List<String> names) {
        if (model instanceof Sequential<?> s) {
            final List<? extends Module<?>> layers = s.layers();
            for (int i = 0; i < layers.size(); i++) {
                collectNames(layers.get(i), prefix + i + ".", names);
            }
        } else {
            for (final Variable<?> p : model.parameters()) {
                names.add(prefix + p.name());
            }
        }
    }

    /**
     * {@code model}'s parameters read through {@code engine} ({@link TensorEngine#toFloats}: a {@link SecureEngine}
     * reveals them to every party, collectively).
     *
     * @throws ModelFormatException ({@link Reason#NON_FINITE_VALUE}) when a parameter holds NaN or infinity
     */
    public static <T> ModelData capture(final Module<T> model, final TensorEngine<T> engine) {
        Objects.requireNonNull(engine, "engine");
        return capture(model, engine, Reveal.toAll(engine));
    }

    /**
     * {@code model}'s parameters opened by {@code reveal}, one collective opening per parameter in order (with
     * {@link Reveal#toParty} only that party learns them); {@code null} at every party to which {@code reveal} opens
     * nothing. Values are rounded to float.
     *
     * @throws ModelFormatException ({@link Reason#NON_FINITE_VALUE}) when a parameter holds NaN or infinity
     */
    public static <T> ModelData capture(final Module<T> model, final TensorEngine<T> engine, final Reveal<T> reveal) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(reveal, "reveal");
        final List<String> names = parameterNames(model);
        final List<Variable<T>> vars = model.parameters();
        checkNames(names, vars);
        final List<ModelData.Parameter> out = new ArrayList<>(vars.size());
        boolean learned = true;
        for (int i = 0; i < vars.size(); i++) {
            final T value = vars.get(i).value();
            // Every parameter is opened, also where the first one gave nothing: the openings are collective.
            final double[] opened = reveal.open(value);
            learned &= opened != null;
            if (learned) {
                final float[] values = new float[opened.length];
                for (int j = 0; j < values.length; j++) {
                    values[j] = (float) opened[j];
                }
                out.add(new ModelData.Parameter(names.get(i), engine.shape(value), values));
            }
        }
        return learned ? new ModelData(architecture(model), out) : null;
    }

    /**
     * {@code model}'s names and shapes with zero values, without reading any value: what a party that must not see
     * the weights {@link #apply applies} while a {@link SecureEngine}'s owner applies the file.
     */
    public static <T> ModelData placeholder(final Module<T> model, final TensorEngine<T> engine) {
        Objects.requireNonNull(engine, "engine");
        final List<String> names = parameterNames(model);
        final List<Variable<T>> vars = model.parameters();
        checkNames(names, vars);
        final List<ModelData.Parameter> out = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            final int[] shape = engine.shape(vars.get(i).value());
            long numel = 1;
            for (final int d : shape) {
                numel *= d;
            }
            out.add(new ModelData.Parameter(names.get(i), shape, new float[Math.toIntExact(numel)]));
        }
        return new ModelData(architecture(model), out);
    }

    /**
     * Replaces {@code model}'s parameters by {@code data}'s, each shared through {@link TensorEngine#fromFloats} (the
     * old values released, gradients cleared; an optimiser's momentum is not touched). Everything is checked before
     * anything is replaced: the parameter count, then each parameter's name and shape by position, then the
     * architecture, then that the engine can hold every value.
     *
     * @throws ModelFormatException when {@code data} does not fit {@code model}
     */
    public static <T> void apply(final ModelData data, final Module<T> model, final TensorEngine<T> engine) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(engine, "engine");
        final List<String> names = parameterNames(model);
        final List<Variable<T>> vars = model.parameters();
        checkNames(names, vars);
        final List<ModelData.Parameter> params = data.parameters();
        final String modelArchitecture = architecture(model);
        if (params.size() != vars.size()) {
            throw new ModelFormatException(Reason.PARAMETER_COUNT_MISMATCH,
                "model file and model have different parameter counts, file=" + params.size() + ", model="
                    + vars.size() + ", fileArchitecture=" + UntrustedText.quote(data.architecture())
                    + ", modelArchitecture=" + UntrustedText.quote(modelArchitecture, OWN_TEXT_CHARS));
        }
        for (int i = 0; i < params.size(); i++) {
            final ModelData.Parameter p = params.get(i);
            if (!p.name().equals(names.get(i))) {
                throw new ModelFormatException(Reason.PARAMETER_NAME_MISMATCH,
                    "model file and model have different parameters, index=" + i + ", fileParameter="
                        + UntrustedText.quote(p.name()) + ", modelParameter=" + UntrustedText.quote(names.get(i)));
            }
            final int[] expected = engine.shape(vars.get(i).value());
            if (!Arrays.equals(expected, p.shapeView())) {
                throw new ModelFormatException(Reason.SHAPE_MISMATCH,
                    "model file parameter has the wrong shape, parameter=" + UntrustedText.quote(p.name())
                        + ", index=" + i + ", expected=" + Arrays.toString(expected) + ", found="
                        + Arrays.toString(p.shapeView()));
            }
        }
        if (!modelArchitecture.equals(data.architecture())) {
            throw new ModelFormatException(Reason.ARCHITECTURE_MISMATCH,
                "model file and model have different architectures, file=" + UntrustedText.quote(data.architecture())
                    + ", model=" + UntrustedText.quote(modelArchitecture, OWN_TEXT_CHARS));
        }
        // Convert every parameter before replacing any, so a value the engine cannot hold leaves the model as it was.
        final List<T> values = new ArrayList<>(params.size());
        for (final ModelData.Parameter p : params) {
            try {
                values.add(engine.fromFloats(p.valuesView(), p.shapeView()));
            } catch (final IllegalArgumentException e) {
                values.forEach(engine::release);
                throw new ModelFormatException(Reason.VALUE_OUT_OF_RANGE,
                    "model file parameter cannot be represented by this engine, parameter="
                        + UntrustedText.quote(p.name()) + ": " + e.getMessage());
            }
        }
        for (int i = 0; i < params.size(); i++) {
            final Variable<T> v = vars.get(i);
            v.zeroGrad(engine);
            v.assign(engine, values.get(i));
        }
    }

    private static <T> void checkNames(final List<String> names, final List<Variable<T>> vars) {
        if (names.size() != vars.size()) {
            throw new IllegalStateException("the model's parameters() disagree with its layers' parameters, layers="
                + names.size() + ", parameters=" + vars.size());
        }
    }
}
