package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.data.LabelledImages;
import dev.obscura.data.MnistData;
import dev.obscura.data.MnistSplit;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.NetworkConfig;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.models.MnistCnn;
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
        "With --config FILE --id N, this process is one party of a deployment over TLS (every party and the"
            + " dealer read the same configuration): the model owner the configuration names (party 0 unless it"
            + " says otherwise) shares the weights of --model, the data owner (party 1 unless it says otherwise) the"
            + " images, and alone learns the logits; the other parties need neither. No party holds both, so no"
            + " plaintext pass runs; every party gives the same --limit and --batch.",
        "",
        "Examples:",
        "  obscura mnist infer --secure --limit 1000",
        "  obscura dealer --config network.conf                                   # the dealer's host",
        "  obscura mnist infer --secure --config network.conf --id 0 --limit 64   # the model owner's",
        "  obscura mnist infer --secure --config network.conf --id 1 --limit 64   # the data owner's",
        ""})
final class MnistInferCommand implements Runnable {
    /** The configuration's role of the party that shares the weights ({@code role.model-owner}). */
    static final String MODEL_OWNER_ROLE = "model-owner";
    /** The configuration's role of the party that shares the images and learns the logits. */
    static final String DATA_OWNER_ROLE = "data-owner";

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

    @Option(names = "--output", paramLabel = "FILE",
        description = {"With --secure: the data owner writes each image's label, prediction and opened logits to"
            + " FILE (CSV)."})
    private Path output;

    @CommandLine.Mixin
    private NetworkOptions network;

    @Option(names = "--id", paramLabel = "N", description = "With --config: this party's id in the configuration.")
    private Integer id;

    @CommandLine.Mixin
    private PlanOptions plan;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        MnistCommand.check(cmd, limit >= 1, "--limit must be at least 1, limit=" + limit);
        MnistCommand.check(cmd, batch >= 1 && batch <= MnistCommand.MAX_BATCH,
            "--batch must be between 1 and " + MnistCommand.MAX_BATCH + ", batch=" + batch);
        MnistCommand.check(cmd, secure || output == null, "--output applies only with --secure");
        if (network.given() || id != null) {
            new Networked(cmd).run();
            return;
        }
        MnistCommand.check(cmd, plan.preprocessing == null && plan.recordPlan == null && !network.networkOnly(cmd),
            "--preprocessing, --record-plan, --emulate-rtt, --emulate-bandwidth and --allow-insecure-seed apply only"
            + " with --config");
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
        final List<SecureInference.Result> results;
        try (Progress p = Progress.start("secure inference", n, out)) {
            results = MnistCommand.runParties(partyOptions.parties(), backend, MnistCommand.FIXED_POINT, ops -> {
                final boolean dataOwner = ops.session().partyId() == MnistCommand.DATA_OWNER;
                final SecureInference.Result r = new SecureInference(modelData, dataOwner ? test
                    : LabelledImages.withheld(n, test.imageShape()), batch, MnistCommand.MODEL_OWNER,
                    MnistCommand.DATA_OWNER).run(ops, dataOwner ? p : BatchListener.NONE);
                if (dataOwner) {
                    secureSeconds[0] = p.seconds();
                }
                return r;
            });
        }
        final SecureInference.Result result = results.get(MnistCommand.DATA_OWNER);
        if (output != null) {
            result.write(output, test);
        }
        final int[] secured = result.predictions();
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

    /** One party of a deployment over TLS: the secure pass only, with the configuration's roles. */
    private final class Networked {
        private final CommandLine cmd;

        Networked(final CommandLine cmd) {
            this.cmd = cmd;
        }

        void run() {
            MnistCommand.check(cmd, secure, "--config and --id run one party of a secure inference: add --secure");
            MnistCommand.check(cmd, network.given() && id != null, "--config FILE and --id N go together");
            final CommandLine.ParseResult parsed = cmd.getParseResult();
            MnistCommand.check(cmd, parsed == null || !parsed.hasMatchedOption("--parties"),
                "--parties does not apply with --config: the configuration names the parties");
            MnistCommand.check(cmd, !partyOptions.allowOutOfRange(), PartyOptions.ALLOW + " does not apply with"
                + " --config: no party holds both the model and the data for the plaintext range check");
            final Backend backend = PartyOptions.resolve(cmd, partyOptions.backendName());
            final NetworkConfig config = network.read();
            MnistCommand.check(cmd, id >= 0 && id < config.parties(), "--id must be a party of " + config.source()
                + ", 0.." + (config.parties() - 1) + ", id=" + id);
            final int modelOwner = config.role(MODEL_OWNER_ROLE, MnistCommand.MODEL_OWNER);
            final int dataOwner = config.role(DATA_OWNER_ROLE, MnistCommand.DATA_OWNER);
            MnistCommand.check(cmd, output == null || id == dataOwner, "--output is written by the data owner, party "
                + dataOwner + " (role." + DATA_OWNER_ROLE + ")");
            SecureFootprint.check(cmd, Math.min(batch, limit), config.parties());
            final PrintWriter out = cmd.getOut();
            final ModelData weights = id == modelOwner ? MnistCommand.readModel(modelFile, "--model") : null;
            final LabelledImages images = id == dataOwner ? ownImages(out)
                : LabelledImages.withheld(limit, MnistCnn.CHANNELS, MnistCnn.SIZE, MnistCnn.SIZE);
            final SecureInference inference = new SecureInference(weights, images, batch, modelOwner, dataOwner);
            final EndpointRuntime.Context context = plan.apply(network.context(cmd, config, id, backend),
                inference.computation());
            out.println("obscura mnist infer: " + NetworkOptions.describe(config, id, backend,
                network.emulation(cmd)));
            out.printf("%,d test images, batch %d; party %d (%s) shares the model%s, party %d (%s) the images%s%n",
                limit, batch, modelOwner, "role." + MODEL_OWNER_ROLE, id == modelOwner ? " from " + modelFile : "",
                dataOwner, "role." + DATA_OWNER_ROLE, id == dataOwner ? " and alone learns the logits" : "");
            out.flush();
            final double[] seconds = new double[1];
            final SecureInference.Result result;
            try (Progress p = id == dataOwner ? Progress.start("secure inference", limit, out) : null) {
                result = EndpointRuntime.runParty(context, ops -> inference.run(ops, p == null ? BatchListener.NONE
                    : p));
                seconds[0] = p == null ? 0 : p.seconds();
            }
            if (result == null) {
                out.println("party " + id + ": done; the data owner, party " + dataOwner + ", holds the predictions");
                return;
            }
            final int correct = MnistCommand.correct(result.predictions(), images);
            final Tables table = new Tables("inference", "accuracy", "correct", "time", "images/s");
            table.row("secure (" + config.parties() + " parties over TLS)", Tables.percent(correct, limit),
                correct + "/" + limit, Tables.duration(seconds[0]), String.format("%.1f", limit / seconds[0]));
            out.println();
            table.print(out);
            if (output != null) {
                result.write(output, images);
                out.println("Predictions and logits written to " + output);
            }
        }

        /** The data owner's test images: exactly --limit of them. */
        private LabelledImages ownImages(final PrintWriter out) {
            final MnistSplit test = dataOptions.load(0, limit, out).test();
            if (test.count() != limit) {
                throw new IllegalStateException("the data owner has " + test.count() + " test images, not --limit "
                    + limit + ": give every party --limit " + test.count());
            }
            return test;
        }
    }
}
