package dev.obscura.nn.train;

/** Told after each batch of a {@link Trainer} epoch or a {@link Classifier} pass: for progress displays. */
@FunctionalInterface
public interface BatchListener {
    /** Ignores every batch. */
    BatchListener NONE = (images, meanLoss) -> { };

    /**
     * A batch of {@code images} images is done; {@code meanLoss} is the mean training loss over the epoch so far
     * where this party learned it, else {@code NaN} (inference, or logits that were not opened to this party).
     */
    void batchDone(int images, double meanLoss);
}
