package dev.obscura.federated.worker;

/**
 * How a worker trains a model on its own data ({@link RemoteModel#fit}): {@code epochs} passes of minibatch SGD,
 * {@code batch} images a step, the images in an order drawn from {@code seed} (McMahan et al. 2017, ClientUpdate
 * with E, B and the learning rate eta; momentum and weight decay as {@code torch.optim.SGD}).
 *
 * @param epochs       passes over the worker's data, at least 1
 * @param batch        images per step, at least 1
 * @param learningRate the step size, positive
 * @param momentum     SGD momentum in {@code [0, 1)}; its buffers start at zero each time
 * @param weightDecay  L2 weight decay, at least 0
 * @param seed         the seed of the order of the images
 */
public record LocalTraining(int epochs, int batch, float learningRate, float momentum, float weightDecay,
                            long seed) {
    /** Checks the settings. */
    public LocalTraining {
        if (epochs < 1 || batch < 1 || !(learningRate > 0) || Float.isInfinite(learningRate)
            || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("need epochs >= 1, batch >= 1, learningRate > 0, 0 <= momentum < 1"
                + " and weightDecay >= 0, epochs=" + epochs + ", batch=" + batch + ", learningRate=" + learningRate
                + ", momentum=" + momentum + ", weightDecay=" + weightDecay);
        }
    }

    /** The same settings with another seed (one per round and worker). */
    public LocalTraining withSeed(final long s) {
        return new LocalTraining(epochs, batch, learningRate, momentum, weightDecay, s);
    }
}
