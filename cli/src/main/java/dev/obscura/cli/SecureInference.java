package dev.obscura.cli;

import dev.obscura.data.LabelledImages;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelBinding;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.Classifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One party's part of secure MNIST inference (SPMD: every party runs it on its session), the same whether the parties
 * are threads of {@code obscura mnist infer --secure} or processes of {@code obscura mnist infer --secure --config}:
 * the model owner secret-shares the weights, the data owner the images, batch by batch; every party evaluates
 * {@link MnistCnn} on shares, and each batch's logits are opened to the data owner alone.
 *
 * @param weights    the model's weights, used at the model owner only (may be {@code null} elsewhere)
 * @param images     the test images at the data owner, {@link LabelledImages#withheld} of the same count elsewhere
 * @param batch      images per batch
 * @param modelOwner the party that shares the weights
 * @param dataOwner  the party that shares the images and alone learns the logits
 */
record SecureInference(ModelData weights, LabelledImages images, int batch, int modelOwner, int dataOwner) {

    /**
     * What the data owner learned: the predicted class of every image and the opened logits, batch by batch.
     *
     * @param predictions the predicted class of each image, in order
     * @param logits      the opened logits of each batch ({@code [b, 10]} row-major), in order
     */
    record Result(int[] predictions, List<double[]> logits) {
        /** Writes {@code image,label,prediction,logit0..logit9} per image (logits exactly, as Java prints them). */
        void write(final Path file, final LabelledImages labelled) {
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write("image,label,prediction");
                for (int k = 0; k < MnistCnn.CLASSES; k++) {
                    w.write(",logit" + k);
                }
                w.write('\n');
                int image = 0;
                for (final double[] rows : logits) {
                    for (int r = 0; r < rows.length / MnistCnn.CLASSES; r++, image++) {
                        w.write(image + "," + labelled.label(image) + "," + predictions[image]);
                        for (int k = 0; k < MnistCnn.CLASSES; k++) {
                            w.write("," + rows[r * MnistCnn.CLASSES + k]);
                        }
                        w.write('\n');
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the predictions to " + file, e);
            }
        }
    }

    /** The computation's name, from its public parameters: what a recorded plan and a preprocessing file serve. */
    String computation() {
        return "mnist-infer images=" + images.count() + " batch=" + batch + " model=MnistCnn model-owner="
            + modelOwner + " data-owner=" + dataOwner;
    }

    /**
     * Runs this party's part; returns the data owner's result there, {@code null} at every other party.
     * {@code listener} hears of every batch.
     */
    Result run(final SecureOps ops, final BatchListener listener) {
        final int me = ops.session().partyId();
        final SecureEngine modelEngine = new SecureEngine(ops, modelOwner);
        final SecureEngine dataEngine = new SecureEngine(ops, dataOwner);
        final Sequential<SecretTensor> model = MnistCnn.create(modelEngine, 0);
        try {
            // The model owner shares the file's weights; every other party takes its shares of them.
            ModelBinding.apply(me == modelOwner ? weights : ModelBinding.placeholder(model, modelEngine), model,
                modelEngine);
            final List<double[]> logits = new ArrayList<>();
            final Reveal<SecretTensor> toDataOwner = Reveal.toParty(ops, dataOwner);
            final int[] predictions = new Classifier<>(model, dataEngine, t -> {
                final double[] opened = toDataOwner.open(t);
                if (opened != null) {
                    logits.add(opened);
                }
                return opened;
            }).predict(images, batch, listener);
            return me == dataOwner ? new Result(predictions, List.copyOf(logits)) : null;
        } finally {
            MnistCommand.release(model, modelEngine);
        }
    }
}
