package dev.obscura.federated.worker;

/**
 * A reference to labelled images a worker holds: sent by a caller
 * ({@link Worker#send(dev.obscura.data.LabelledImages)}) or the worker's own ({@link Worker#dataset}). A model
 * trains on it where it is ({@link RemoteModel#fit}); its images never leave the worker through this reference. Closing it releases the worker's reference (a worker's
 * own data set stays with the worker). Thread-safe.
 */
public final class RemoteDataset extends RemoteObject {
    private final int count;
    private final int[] imageShape;

    RemoteDataset(final Worker worker, final long id, final int count, final int[] imageShape) {
        super(worker, id);
        this.count = count;
        this.imageShape = imageShape.clone();
    }

    @Override
    String what() {
        return "dataset";
    }

    /** Number of images. */
    public int count() {
        return count;
    }

    /** The shape of one image (a copy). */
    public int[] imageShape() {
        return imageShape.clone();
    }

    @Override
    public String toString() {
        return "RemoteDataset[" + worker().name() + ":" + id() + ", count=" + count + ", imageShape="
            + dev.obscura.ring.Shapes.toString(imageShape) + "]";
    }
}
