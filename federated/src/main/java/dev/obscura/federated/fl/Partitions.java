package dev.obscura.federated.fl;

import dev.obscura.data.LabelledImages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Splits of a data set among clients, as McMahan et al. (AISTATS 2017, Section 3) split MNIST: {@link #iid} shuffles
 * the images and gives each client an equal part; {@link #byLabel} (their "pathological non-IID" split) sorts the
 * images by label, cuts them into {@code clients * shardsPerClient} shards of equal size and gives each client
 * {@code shardsPerClient} shards at random, so that most clients see only a few digits. Each part is a view of the
 * images (no copy). The splits are not secret; the seed makes them repeatable. Stateless and thread-safe.
 */
public final class Partitions {
    private Partitions() {
    }

    /** {@code data} shuffled with {@code seed} and cut into {@code clients} parts of equal size (the rest dropped). */
    public static List<LabelledImages> iid(final LabelledImages data, final int clients, final long seed) {
        check(data, clients, 1);
        final int[] order = shuffled(data.count(), new Random(seed));
        final int each = data.count() / clients;
        final List<LabelledImages> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            out.add(new Subset(data, Arrays.copyOfRange(order, c * each, (c + 1) * each)));
        }
        return out;
    }

    /**
     * {@code data} sorted by label (ties in image order), cut into {@code clients * shardsPerClient} shards, each
     * client given {@code shardsPerClient} shards drawn with {@code seed}.
     */
    public static List<LabelledImages> byLabel(final LabelledImages data, final int clients,
                                               final int shardsPerClient, final long seed) {
        check(data, clients, shardsPerClient);
        final int n = data.count();
        final Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> data.label(a) != data.label(b) ? Integer.compare(data.label(a), data.label(b))
            : Integer.compare(a, b));
        final int shards = clients * shardsPerClient;
        final int shardSize = n / shards;
        final int[] shardOrder = shuffled(shards, new Random(seed));
        final List<LabelledImages> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            final int[] indices = new int[shardsPerClient * shardSize];
            for (int s = 0; s < shardsPerClient; s++) {
                final int shard = shardOrder[c * shardsPerClient + s];
                for (int i = 0; i < shardSize; i++) {
                    indices[s * shardSize + i] = boxed[shard * shardSize + i];
                }
            }
            out.add(new Subset(data, indices));
        }
        return out;
    }

    /** The labels {@code part} holds, each once, ascending (to describe a split). */
    public static int[] labels(final LabelledImages part) {
        return java.util.stream.IntStream.range(0, part.count()).map(part::label).distinct().sorted().toArray();
    }

    private static void check(final LabelledImages data, final int clients, final int shardsPerClient) {
        Objects.requireNonNull(data, "data");
        if (clients < 1 || shardsPerClient < 1 || (long) clients * shardsPerClient > data.count()) {
            throw new IllegalArgumentException("need at least one image per shard, images=" + data.count()
                + ", clients=" + clients + ", shardsPerClient=" + shardsPerClient);
        }
    }

    private static int[] shuffled(final int n, final Random random) {
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The images of {@code base} at {@code indices}, in that order. */
    private static final class Subset implements LabelledImages {
        private final LabelledImages base;
        private final int[] indices;

        Subset(final LabelledImages base, final int[] indices) {
            this.base = base;
            this.indices = indices;
        }

        @Override
        public int count() {
            return indices.length;
        }

        @Override
        public int[] imageShape() {
            return base.imageShape();
        }

        @Override
        public int imageSize() {
            return base.imageSize();
        }

        @Override
        public int label(final int index) {
            return base.label(indices[index]);
        }

        @Override
        public void copyBatch(final int from, final int batch, final float[] dstImages, final int[] dstLabels) {
            base.copyBatch(indices, from, batch, dstImages, dstLabels);
        }

        @Override
        public void copyBatch(final int[] order, final int orderFrom, final int batch, final float[] dstImages,
                              final int[] dstLabels) {
            Objects.checkFromIndexSize(orderFrom, batch, order.length);
            final int[] mapped = new int[batch];
            for (int b = 0; b < batch; b++) {
                mapped[b] = indices[Objects.checkIndex(order[orderFrom + b], indices.length)];
            }
            base.copyBatch(mapped, 0, batch, dstImages, dstLabels);
        }

        @Override
        public String toString() {
            return "Subset{count=" + indices.length + ", of=" + base + "}";
        }
    }
}
