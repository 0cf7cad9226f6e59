package dev.obscura.nn.engine;

/**
 * The labels the {@code nn} package gives what it computes ({@link TensorEngine#label(String)}), so that a secure
 * engine's checked mode can say where an operation left its range: {@code "layer 3 (Conv2d), forward"} while
 * {@link dev.obscura.nn.layers.Sequential} runs its fourth layer, {@code "layer 3 (Conv2d), backward"} while the
 * tape runs that layer's backward closures, {@code "layer 1 (Sequential) / layer 0 (Conv2d), forward"} inside a
 * nested network, {@code "loss (SoftmaxCrossEntropy), backward"} and {@code "optimiser (Sgd), parameter 2
 * (linear.weight)"}. A label is a path of parts, the last one followed by the pass.
 */
public final class Labels {
    private static final String FORWARD = ", forward";
    private static final String BACKWARD = ", backward";
    private static final String SEPARATOR = " / ";

    private Labels() {
    }

    /** {@code "layer 3 (Conv2d)"}: a layer by its index in its network and its class. */
    public static String layer(final int index, final Object module) {
        return "layer " + index + " (" + module.getClass().getSimpleName() + ")";
    }

    /** {@code part} inside {@code parent} (whose pass, if any, is dropped); {@code part} alone when it is empty. */
    public static String child(final String parent, final String part) {
        final String path = path(parent);
        return path.isEmpty() ? part : path + SEPARATOR + part;
    }

    /** {@code label} in the forward pass; {@code "forward"} when empty. */
    public static String forward(final String label) {
        final String path = path(label);
        return path.isEmpty() ? "forward" : path + FORWARD;
    }

    /** {@code label} (recorded in the forward pass, say) in the backward pass; {@code "backward"} when empty. */
    public static String backward(final String label) {
        final String path = path(label);
        return path.isEmpty() ? "backward" : path + BACKWARD;
    }

    /** {@code label} without its pass. */
    private static String path(final String label) {
        if (label.endsWith(FORWARD)) {
            return label.substring(0, label.length() - FORWARD.length());
        }
        if (label.endsWith(BACKWARD)) {
            return label.substring(0, label.length() - BACKWARD.length());
        }
        return label;
    }
}
