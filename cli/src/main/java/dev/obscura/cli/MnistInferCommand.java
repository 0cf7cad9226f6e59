package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.data.LabelledImages;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistSplit;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.nn.train.Classifier;
import dev.obscura.nn.train.LayerRanges;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code obscura mnist infer}: classifies the MNIST test images with a saved model, in plaintext and, with
 * {@code --secure}, also secret-shared, and compares the two.
 */
@Command(name = "infer", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Classify the MNIST test images with a trained model.",
        "",
        "Prints the accuracy and speed. Plaintext by default. With --secure the same images are also classified"
            + " under MPC: party " + MnistCommand.MODEL_OWNER + " (model owner) secret-shares the weights, party "
            + MnistCommand.DATA_OWNER + " (data owner) secret-shares the images, every party computes on shares"
            + " only, and the output logits are opened to the data owner alone. The plaintext and secure"
            + " accuracies are printed side by side with the number of predictions that differ (fixed-point"
            + " arithmetic can flip a near-tie). Before the secure pass, the plaintext pass tells whether every"
            + " layer stays within the range fixed point computes exactly; if one does not, the secure pass is"
            + " refused (see " + PartyOptions.ALLOW + ").",
        "",
        "Example:",
        "  obscura mnist infer --secure --limit 1000",
        ""})
final class MnistInferCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--secure", description = "Also run secret-shared inference and compare it with plaintext.")
    private boolean secure;

    @CommandLine.Mixin
    private PartyOptions partyOptions;

    @Option(names = "--model", paramLabel = "FILE", defaultValue = MnistCommand.DEFAULT_MODEL,
        description = {"The model file written by `obscura mnist train`.", "Default: ${DEFAULT-VALUE}."})
    private Path modelFile;

    @CommandLine.Mixin
    private DataOptions dataOptions;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10000",
        description = "Classify the first N test images (default: ${DEFAULT-VALUE}, all).")
    private int limit;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64",
        description = "Images per batch (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, limit >= 1, "--limit must be at least 1, limit=" + limit);
        MnistCommand.check(cmd, batch >= 1 && batch <= MnistCommand.MAX_BATCH,
            "--batch must be between 1 and " + MnistCommand.MAX_BATCH + ", batch=" + batch);
        partyOptions.check(cmd, secure);
        if (secure) { // refuses a batch whose estimated off-heap footprint exceeds the memory budget, before any work
            SecureFootprint.check(cmd, Math.min(batch, limit), partyOptions.parties());
        }
        final PrintWriter out = cmd.getOut();
        final Backend backend = secure ? partyOptions.backend() : null;
        final ModelData modelData = MnistCommand.readModel(modelFile, "--model");
        final MnistData data = dataOptions.load(0, limit, out);
        final MnistSplit test = data.test();
        final int n = test.count();
        out.printf("Model %s (%,d parameters); %,d test images from %s, batch %d%n", modelFile,
            modelData.valueCount(), n, data.directory(), batch);

        // Plaintext, measuring how large every layer's values get: a secure run must stay within its range.
        final PlainEngine plainEngine = new PlainEngine();
        final LayerRanges plainModel = new LayerRanges(MnistCommand.model(plainEngine, 0, modelData, true));
        final int[] plain;
        final double plainSeconds;
        try (Progress p = Progress.start("plaintext inference", n, out)) {
            plain = new Classifier<>(plainModel, plainEngine, Reveal.toAll(plainEngine)).predict(test, batch, p);
            plainSeconds = p.seconds();
        }
        final int plainCorrect = MnistCommand.correct(plain, test);

        final Tables table = new Tables("inference", "accuracy", "correct", "time", "images/s");
        table.row("plaintext (GEMM " + plainEngine.gemmName() + ")", Tables.percent(plainCorrect, n),
            plainCorrect + "/" + n, Tables.duration(plainSeconds), String.format("%.1f", n / plainSeconds));
        if (!secure) {
            out.println();
            table.print(out);
            return;
        }
        final String refusal = MnistCommand.rangeRefusal(plainModel, MnistCommand.FIXED_POINT,
            partyOptions.allowOutOfRange(), n + " test images", out);
        if (refusal != null) {
            out.println();
            table.print(out);
            out.flush();
            throw new IllegalStateException(refusal);
        }

        // Secret-shared: the model owner shares the file's weights, the data owner the images; the same loop runs
        // on every party, and only the data owner learns the logits.
        out.printf("Secure inference: %d parties, backend %s; party %d shares the model, party %d the images%n",
            partyOptions.parties(), backend.name(), MnistCommand.MODEL_OWNER, MnistCommand.DATA_OWNER);
        final double[] secureSeconds = new double[1];
        final List<int[]> results;
        try (Progress p = Progress.start("secure inference", n, out)) {
            results = MnistCommand.runParties(partyOptions.parties(), backend, MnistCommand.FIXED_POINT, ops -> {
                final int me = ops.session().partyId();
                final boolean dataOwner = me == MnistCommand.DATA_OWNER;
                final SecureEngine modelEngine = new SecureEngine(ops, MnistCommand.MODEL_OWNER);
                final SecureEngine dataEngine = new SecureEngine(ops, MnistCommand.DATA_OWNER);
                final Sequential<SecretTensor> model = MnistCommand.model(modelEngine, 0, modelData,
                    me == MnistCommand.MODEL_OWNER);
                try {
                    final int[] predictions = new Classifier<>(model, dataEngine,
                        Reveal.toParty(ops, MnistCommand.DATA_OWNER))
                        .predict(dataOwner ? test : LabelledImages.withheld(n, test.imageShape()), batch,
                            dataOwner ? p : BatchListener.NONE);
                    if (dataOwner) {
                        secureSeconds[0] = p.seconds();
                    }
                    return predictions;
                } finally {
                    MnistCommand.release(model, modelEngine);
                }
            });
        }
        final int[] secured = results.get(MnistCommand.DATA_OWNER);
        final int secureCorrect = MnistCommand.correct(secured, test);
        int differ = 0;
        for (int i = 0; i < n; i++) {
            if (secured[i] != plain[i]) {
                differ++;
            }
        }
        table.row("secure (" + partyOptions.parties() + " parties)", Tables.percent(secureCorrect, n),
            secureCorrect + "/" + n,
            Tables.duration(secureSeconds[0]), String.format("%.1f", n / secureSeconds[0]));
        out.println();
        table.print(out);
        out.printf("Predictions that differ between plaintext and secure: %d of %d%n", differ, n);
    }
}
