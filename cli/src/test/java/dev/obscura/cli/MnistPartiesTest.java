package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.data.LabelledImages;
import dev.obscura.data.Mnist;
import dev.obscura.data.MnistSplit;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.ModelData;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.nn.train.BatchListener;
import dev.obscura.protocols.LocalParties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MNIST main job across processes: {@code obscura mnist infer --secure --config FILE --id N} on each party and
 * the dealer, three JVMs on loopback, with the roles the configuration names (here party 1 owns the model and
 * party 0 the data), gives the predictions and every opened logit of the in-process run on the same seeds, bit for
 * bit.
 */
class MnistPartiesTest {
    private static final String SEED = "mnist-parties-1";
    private static final int IMAGES = 4;
    private static final int BATCH = 2;

    @TempDir
    Path dir;

    @Test
    void shouldGiveTheInProcessPredictionsAndLogitsBitForBitAcrossProcesses() throws Exception {
        final Path mnist = SyntheticMnist.write(dir.resolve("mnist"), 1, IMAGES);
        final Path model = dir.resolve("fresh.obscura");
        final PlainEngine plain = new PlainEngine();
        ModelFile.save(MnistCnn.create(plain, 7), plain, model);
        final Deployment d = Deployment.create(dir, "insecure-seed = " + SEED + "\nrole.model-owner = 1\n"
            + "role.data-owner = 0\n");
        final String conf = d.config().toString();
        final String[] common = {"mnist", "infer", "--secure", "--config", conf, "--limit", "" + IMAGES, "--batch",
            "" + BATCH, "--allow-insecure-seed"};
        final Deployment.Running dealer = d.start("dealer", "--config", conf, "--allow-insecure-seed");
        final Deployment.Running modelOwner = d.start(concat(common, "--id", "1", "--model", model.toString()));
        final Deployment.Running dataOwner = d.start(concat(common, "--id", "0", "--data", mnist.toString(),
            "--output", dir.resolve("processes.csv").toString()));
        final CommandRun data = dataOwner.await();
        final CommandRun owner = modelOwner.await();
        final CommandRun helper = dealer.await();
        assertEquals(0, data.status(), data.out() + data.err());
        assertEquals(0, owner.status(), owner.out() + owner.err());
        assertEquals(0, helper.status(), helper.out() + helper.err());
        assertTrue(data.out().contains("secure (2 parties over TLS)"), data.out());
        assertTrue(owner.out().contains("the data owner, party 0, holds the predictions"), owner.out());

        // The same program in-process, on the same master seed: the same CSV, byte for byte.
        final MnistSplit test = Mnist.load(mnist, 0, IMAGES).test();
        final ModelData weights = ModelFile.read(model);
        final List<SecureInference.Result> local = LocalParties.builder().parties(2).insecureSeed(SEED)
            .backend(Backends.defaultBackend()).build().run(ops -> new SecureInference(weights,
                ops.session().partyId() == 0 ? test : LabelledImages.withheld(IMAGES, test.imageShape()), BATCH, 1, 0)
                .run(ops, BatchListener.NONE));
        local.get(0).write(dir.resolve("in-process.csv"), test);
        final List<String> expected = Files.readAllLines(dir.resolve("in-process.csv"));
        assertEquals(IMAGES + 1, expected.size(), expected.toString());
        assertEquals(expected, Files.readAllLines(dir.resolve("processes.csv")));
    }

    @Test
    void shouldRefuseNetworkOptionsThatDoNotFit() {
        final Deployment d = Deployment.create(dir, "");
        final String conf = d.config().toString();
        final CommandRun noSecure = CommandRun.of("mnist", "infer", "--config", conf, "--id", "0");
        assertEquals(2, noSecure.status());
        assertTrue(noSecure.err().startsWith("obscura: --config and --id run one party of a secure inference"),
            noSecure.err());
        final CommandRun parties = CommandRun.of("mnist", "infer", "--secure", "--config", conf, "--id", "0",
            "--parties", "3");
        assertEquals(2, parties.status());
        assertTrue(parties.err().startsWith("obscura: --parties does not apply with --config"), parties.err());
        final CommandRun noId = CommandRun.of("mnist", "infer", "--secure", "--config", conf);
        assertEquals(2, noId.status());
        assertTrue(noId.err().startsWith("obscura: --config FILE and --id N go together"), noId.err());
        final CommandRun output = CommandRun.of("mnist", "infer", "--secure", "--config", conf, "--id", "0",
            "--output", "x.csv");
        assertEquals(2, output.status());
        assertTrue(output.err().startsWith("obscura: --output is written by the data owner, party 1"), output.err());
        final CommandRun rtt = CommandRun.of("mnist", "infer", "--secure", "--emulate-rtt", "10ms");
        assertEquals(2, rtt.status());
        assertTrue(rtt.err().contains("apply only with --config"), rtt.err());
    }

    private static String[] concat(final String[] a, final String... b) {
        final String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
