package dev.obscura.backend;

/**
 * How the values of the windows of a {@link WindowGeometry} lie in a tensor, for {@link Backend#windowGather} and
 * {@link Backend#windowScatterAdd}: position {@code p} of window {@code w} (numbered as in {@link WindowGeometry})
 * is element {@code p * positionStride + w * windowStride} of the tensor, row-major.
 */
public enum WindowLayout {
    /**
     * {@code [kH*kW, N*C*outH*outW]}: one row per window position, each holding that position of every window.
     * The candidates of a max-pool's knockout tournament, compared row against row.
     */
    POSITION_ROWS,
    /**
     * {@code [N, C, outH, outW, kH*kW]}: the positions of each window side by side. The one-hot argmax mask of a
     * max-pool, and so its backward pass.
     */
    WINDOW_ROWS,
    /**
     * {@code [N, C, outH, outW]}: one value per window, standing for all of its positions (position stride 0). A
     * gather sums each window (an average-pool before its scale); a scatter adds a window's value at each of its
     * positions (the backward pass of that sum, and a repeat of every element when the windows tile a row).
     */
    WINDOW_SUM;

    /** The shape of a tensor of {@code g}'s windows in this layout. */
    public int[] shape(final WindowGeometry g) {
        switch (this) {
            case POSITION_ROWS:
                return new int[] {g.windowSize(), dimension(g, g.windows())};
            case WINDOW_ROWS:
                return new int[] {g.batch(), g.channels(), g.outH(), g.outW(), g.windowSize()};
            default:
                return g.outputShape();
        }
    }

    /** How far apart (in elements) two neighbouring positions of one window lie. */
    public long positionStride(final WindowGeometry g) {
        switch (this) {
            case POSITION_ROWS:
                return g.windows();
            case WINDOW_ROWS:
                return 1;
            default:
                return 0;
        }
    }

    /** How far apart (in elements) neighbouring windows lie. */
    public long windowStride(final WindowGeometry g) {
        return this == WINDOW_ROWS ? g.windowSize() : 1;
    }

    private static int dimension(final WindowGeometry g, final long size) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many windows for one tensor axis, windows=" + size + g.facts());
        }
        return (int) size;
    }
}
