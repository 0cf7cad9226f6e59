package dev.obscura.federated.secagg;

import java.util.Arrays;
import java.util.Collection;

/** Sets of party ids as sorted {@code int[]}: checks, membership and a short rendering for messages. */
final class Ids {
    private static final int SHOWN = 12;

    private Ids() {
    }

    /** A sorted copy of {@code ids}, which must be distinct and non-negative. */
    static int[] sortedDistinct(final int[] ids, final String what) {
        final int[] sorted = ids.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0) {
                throw new IllegalArgumentException(what + " must be non-negative ids, id=" + sorted[i]);
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException(what + " must be distinct, repeated id=" + sorted[i]);
            }
        }
        return sorted;
    }

    static int[] sorted(final Collection<Integer> ids) {
        final int[] out = new int[ids.size()];
        int i = 0;
        for (final int id : ids) {
            out[i++] = id;
        }
        Arrays.sort(out);
        return out;
    }

    static boolean contains(final int[] sorted, final int id) {
        return Arrays.binarySearch(sorted, id) >= 0;
    }

    /** Whether every id of {@code sub} is in {@code sorted}. */
    static boolean containsAll(final int[] sorted, final int[] sub) {
        for (final int id : sub) {
            if (!contains(sorted, id)) {
                return false;
            }
        }
        return true;
    }

    /** The ids, at most a dozen of them, for an error message: ids are public. */
    static String format(final int[] ids) {
        if (ids.length <= SHOWN) {
            return Arrays.toString(ids);
        }
        return Arrays.toString(Arrays.copyOf(ids, SHOWN)).replace("]", ", ... (" + ids.length + " ids)]");
    }
}
