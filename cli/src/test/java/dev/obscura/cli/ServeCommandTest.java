package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistSplit;
import dev.obscura.network.LoopbackNetwork;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.models.MnistCnn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's commands across processes: {@code obscura dealer} and {@code obscura serve} on each compute party as
 * JVMs of their own on loopback, {@code obscura classify} as the client; its predictions equal plaintext's. Killing a
 * compute party fails the next request with a clear error, and the service restarted works again.
 */
class ServeCommandTest {
    private static final int IMAGES = 4;

    @TempDir
    Path dir;

    @Test
    void shouldClassifyAcrossProcessesFailClearlyWhenAPartyDiesAndWorkOnceItRejoins() throws Exception {
        final Fixture f = fixture(5);
        final Deployment d = f.deployment();
        final Path conf = f.conf();
        final Path model = f.model();
        final int[] expected = f.expected();

        Deployment.Running[] service = start(d, conf, model, "2");
        final String[] classify = f.classify();
        assertArrayEquals(expected, predictions(CommandRun.of(classify)));

        // Party 1 dies: the next request fails with an error that names a party, within the time-out.
        service[2].kill();
        final long t0 = System.nanoTime();
        final CommandRun failed = CommandRun.of(classify);
        assertNotEquals(0, failed.status(), failed.out());
        assertTrue(failed.err().contains("party-"), failed.err());
        assertTrue(System.nanoTime() - t0 < 90e9, "failed within the time-out");

        // Party 1 alone is restarted: party 0 and the dealer (--keep-serving) join it again, and the service works.
        service[2] = d.start("serve", "--config", conf.toString(), "--id", "1", "--max-batch", "4", "--stats-every",
            "0", "--pool-depth", "2");
        // Until the session forms again, requests are refused with the reason ("service unavailable: ..."); a
        // client retries.
        CommandRun rejoined = CommandRun.of(classify);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (rejoined.status() != 0 && System.nanoTime() < deadline) {
            assertTrue(rejoined.err().contains("unavailable") || rejoined.err().contains("party"), rejoined.err());
            Thread.sleep(1000);
            rejoined = CommandRun.of(classify);
        }
        assertArrayEquals(expected, predictions(rejoined));
        for (final Deployment.Running r : service) {
            r.kill();
        }

        // Restarted (now without a pool: batches padded to a power of two only), the service works again.
        service = start(d, conf, model, "0");
        assertArrayEquals(expected, predictions(CommandRun.of(classify)));
        for (final Deployment.Running r : service) {
            r.kill();
        }
    }

    @Test
    void shouldServeAPlannedNumberOfBatchesFromPreprocessingFilesWithoutADealer() throws Exception {
        final Fixture f = fixture(6);
        final Deployment d = f.deployment();
        final Path model = f.model();
        final int[] expected = f.expected();
        final String c = f.conf().toString();
        final String[] classify = f.classify();

        // 1. With the dealer online, record the plan of two passes (two requests of two images: two batches).
        final Path planFile = dir.resolve("serve.plan");
        final Deployment.Running dealer = d.start("dealer", "--config", c);
        final Deployment.Running[] recording = {
            d.start("serve", "--config", c, "--id", "0", "--model", model.toString(), "--max-batch", "4",
                "--stats-every", "0", "--record-plan", planFile.toString(), "--batches", "2"),
            d.start("serve", "--config", c, "--id", "1", "--max-batch", "4", "--stats-every", "0", "--record-plan",
                dir.resolve("serve-1.plan").toString(), "--batches", "2")};
        assertArrayEquals(expected, predictions(CommandRun.of(classify)));
        for (final Deployment.Running r : recording) {
            final CommandRun done = r.await();
            assertEquals(0, done.status(), done.out() + done.err());
        }
        assertEquals(0, dealer.await().status());
        assertTrue(Files.size(planFile) > 0, "the plan was written");

        // 2. The dealer writes each party's file and exits.
        final CommandRun made = CommandRun.of("dealer", "--config", c, "--plan", planFile.toString(), "--out",
            dir.resolve("prep").toString());
        assertEquals(0, made.status(), made.out() + made.err());
        final Path run;
        try (java.util.stream.Stream<Path> runs = Files.list(dir.resolve("prep"))) {
            run = runs.filter(Files::isDirectory).findFirst().orElseThrow();
        }

        // 3. The parties serve the two passes from their files, no dealer running, and stop.
        final Deployment.Running[] served = {
            d.start("serve", "--config", c, "--id", "0", "--model", model.toString(), "--max-batch", "4",
                "--stats-every", "0", "--preprocessing", run.resolve("party-0.prep").toString(), "--batches", "2"),
            d.start("serve", "--config", c, "--id", "1", "--max-batch", "4", "--stats-every", "0",
                "--preprocessing", run.resolve("party-1.prep").toString(), "--batches", "2")};
        assertArrayEquals(expected, predictions(CommandRun.of(classify)));
        for (final Deployment.Running r : served) {
            final CommandRun done = r.await();
            assertEquals(0, done.status(), done.out() + done.err());
            assertTrue(done.out().contains("2 batches from"), done.out());
        }

        // 4. A file for other settings (another max batch) is refused before the party connects.
        final long t0 = System.nanoTime();
        final CommandRun other = CommandRun.of("serve", "--config", c, "--id", "1", "--max-batch", "8",
            "--preprocessing", run.resolve("party-1.prep").toString(), "--batches", "2");
        assertEquals(1, other.status(), other.out() + other.err());
        assertTrue(other.err().contains("party-1.prep") && other.err().contains("8 images"), other.err());
        assertTrue(System.nanoTime() - t0 < 30e9, "refused at once, not after the connect time-out");
        final CommandRun noBatches = CommandRun.of("serve", "--config", c, "--id", "1", "--preprocessing",
            run.resolve("party-1.prep").toString());
        assertEquals(2, noBatches.status());
        assertTrue(noBatches.err().startsWith("obscura: --preprocessing and --record-plan need --batches K"),
            noBatches.err());
    }

    /** A model, MNIST images, a loopback configuration with a certificate for client alice, and what to expect. */
    private record Fixture(Deployment deployment, Path conf, Path model, int[] expected, String[] classify) {
    }

    private Fixture fixture(final int modelSeed) {
        final Path mnist = SyntheticMnist.write(dir.resolve("mnist"), 1, IMAGES);
        final Path model = dir.resolve("model.obscura");
        final PlainEngine plain = new PlainEngine();
        ModelFile.save(MnistCnn.create(plain, modelSeed), plain, model);
        final Path conf = dir.resolve("network.conf");
        try {
            Files.writeString(conf, LoopbackNetwork.configText("additive-dealer", 2, List.of("dealer"),
                "timeout = 20s\nconnect-timeout = 60s\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        final CommandRun certs = CommandRun.of("certs", "--config", conf.toString(), "--client", "alice");
        assertEquals(0, certs.status(), certs.out() + certs.err());
        assertTrue(certs.out().contains("and 1 clients"), certs.out());

        // The plaintext predictions of the same images, normalised as the loader does.
        final MnistSplit test = Mnist.load(mnist, 0, IMAGES).test();
        final float[][] images = new float[IMAGES][MnistSplit.PIXELS];
        for (int i = 0; i < IMAGES; i++) {
            test.copyBatch(i, 1, images[i], new int[1]);
        }
        final String[] classify = {"classify", "--config", conf.toString(), "--name", "alice", "--mnist-test",
            "" + IMAGES, "--data", mnist.toString(), "--batch", "2", "--timeout", "60"};
        return new Fixture(Deployment.of(dir, conf), conf, model, ServeLoadCommand.plaintext(ModelFile.read(model),
            images), classify);
    }

    private static Deployment.Running[] start(final Deployment d, final Path conf, final Path model,
                                              final String pool) {
        final String c = conf.toString();
        return new Deployment.Running[] {d.start("dealer", "--config", c, "--keep-serving"),
            d.start("serve", "--config", c, "--id", "0", "--model", model.toString(), "--max-batch", "4",
                "--stats-every", "0", "--pool-depth", pool),
            d.start("serve", "--config", c, "--id", "1", "--max-batch", "4", "--stats-every", "0", "--pool-depth",
                pool)};
    }

    private static int[] predictions(final CommandRun run) {
        assertEquals(0, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("accuracy"), run.out());
        final int[] out = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            final String prefix = "image " + i + ": ";
            final String line = run.out().lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
            out[i] = Integer.parseInt(line.substring(prefix.length(), line.indexOf(' ', prefix.length())));
        }
        return out;
    }
}
