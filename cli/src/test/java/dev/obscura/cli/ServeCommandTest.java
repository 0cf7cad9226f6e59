package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.Mnist;
import dev.obscura.data.MnistSplit;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.io.ModelFile;
import dev.obscura.nn.models.MnistCnn;
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
        final Path mnist = SyntheticMnist.write(dir.resolve("mnist"), 1, IMAGES);
        final Path model = dir.resolve("model.obscura");
        final PlainEngine plain = new PlainEngine();
        ModelFile.save(MnistCnn.create(plain, 5), plain, model);
        final List<Integer> ports = ServiceDeployment.freePorts(3);
        final Path conf = dir.resolve("network.conf");
        Files.writeString(conf, "suite = additive-dealer\nparty.0 = 127.0.0.1:" + ports.get(0) + "\nparty.1 = 127.0.0.1:"
            + ports.get(1) + "\nhelper.dealer = 127.0.0.1:" + ports.get(2) + "\ntls.ca = certs/ca.crt\n"
            + "tls.certificate = certs/{name}.crt\ntls.key = certs/{name}.key\ntimeout = 20s\nconnect-timeout = 60s\n");
        final CommandRun certs = CommandRun.of("certs", "--config", conf.toString(), "--client", "alice");
        assertEquals(0, certs.status(), certs.out() + certs.err());
        assertTrue(certs.out().contains("and 1 clients"), certs.out());
        final Deployment d = Deployment.of(dir, conf);

        // The plaintext predictions of the same images, normalised as the loader does.
        final MnistSplit test = Mnist.load(mnist, 0, IMAGES).test();
        final float[][] images = new float[IMAGES][MnistSplit.PIXELS];
        for (int i = 0; i < IMAGES; i++) {
            test.copyBatch(i, 1, images[i], new int[1]);
        }
        final int[] expected = ServeLoadCommand.plaintext(ModelFile.read(model), images);

        Deployment.Running[] service = start(d, conf, model, "2");
        final String[] classify = {"classify", "--config", conf.toString(), "--name", "alice", "--mnist-test",
            "" + IMAGES, "--data", mnist.toString(), "--batch", "2", "--timeout", "60"};
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
