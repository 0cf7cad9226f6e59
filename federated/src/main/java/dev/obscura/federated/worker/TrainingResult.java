package dev.obscura.federated.worker;

/**
 * What local training left at the worker and told the caller ({@link RemoteModel#fit}).
 *
 * @param update   a reference to the model's change, the parameters after minus before, as one flat tensor
 *                 ({@link FlatParameters}) that stays at the worker until the caller decides how it leaves
 * @param samples  the number of images trained on (the weight of the update in federated averaging)
 * @param meanLoss the mean training loss over the last epoch, each step's before its update
 * @param correct  how many images of the last epoch the model classified correctly before their step
 */
public record TrainingResult(RemoteTensor update, int samples, double meanLoss, int correct) {
}
