package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.protocols.LocalParties;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code obscura party} and {@code obscura dealer}: two parties and the dealer as separate JVMs on loopback give the
 * in-process run's product bit for bit on the same insecure seed; bad usage and refusals are one line each.
 */
class PartyCommandTest {
    private static final String SEED = "party-command-1";

    @TempDir
    Path dir;

    @Test
    void shouldGiveTheInProcessProductBitForBitAcrossProcesses() {
        final Deployment d = Deployment.create(dir, "insecure-seed = " + SEED + "\n");
        final String conf = d.config().toString();
        final String[] program = {"--size", "7,5,3", "--repeat", "2", "--data-seed", "11", "--allow-insecure-seed"};
        final Deployment.Running dealer = d.start("dealer", "--config", conf, "--allow-insecure-seed");
        final Deployment.Running p1 = d.start(concat(new String[] {"party", "--config", conf, "--id", "1"}, program));
        final Deployment.Running p0 = d.start(concat(new String[] {"party", "--config", conf, "--id", "0"}, program));
        final CommandRun r0 = p0.await();
        final CommandRun r1 = p1.await();
        final CommandRun rd = dealer.await();
        assertEquals(0, r0.status(), r0.err());
        assertEquals(0, r1.status(), r1.err());
        assertEquals(0, rd.status(), rd.err());
        assertTrue(rd.err().contains("INSECURE"), "the insecure seed is announced: " + rd.err());

        final MatmulCheck check = new MatmulCheck(7, 5, 3, 2, 11);
        final List<MatmulCheck.Report> local = LocalParties.builder().parties(2).insecureSeed(SEED)
            .backend(Backends.defaultBackend()).build().run(check::run);
        final String digest = "opened product digest " + local.get(0).productDigest();
        assertTrue(r0.out().contains(digest), "party 0: " + r0.out() + "\nexpected " + digest);
        assertTrue(r1.out().contains(digest), "party 1: " + r1.out() + "\nexpected " + digest);
        assertTrue(r0.out().contains("one product: 2 rounds"), r0.out());
    }

    @Test
    void shouldRefuseBadUsageAndAnInsecureSeedThatWasNotAllowedInOneLine() throws Exception {
        final Deployment d = Deployment.create(dir, "insecure-seed = " + SEED + "\n");
        final String conf = d.config().toString();
        final CommandRun noConfig = CommandRun.of("party", "--id", "0");
        assertEquals(2, noConfig.status());
        assertTrue(noConfig.err().startsWith("obscura: --config FILE is required"), noConfig.err());
        final CommandRun badId = CommandRun.of("party", "--config", conf, "--id", "2");
        assertEquals(2, badId.status());
        assertTrue(badId.err().startsWith("obscura: --id must be a party of " + conf + ", 0..1, id=2"), badId.err());
        final CommandRun onlyPlan = CommandRun.of("dealer", "--config", conf, "--plan", "x.plan");
        assertEquals(2, onlyPlan.status());
        assertTrue(onlyPlan.err().startsWith("obscura: --plan and --out go together"), onlyPlan.err());
        final CommandRun keepAhead = CommandRun.of("dealer", "--config", conf, "--plan", "x.plan", "--out", "prep",
            "--keep-serving");
        assertEquals(2, keepAhead.status());
        assertTrue(keepAhead.err().startsWith("obscura: --keep-serving applies only online"), keepAhead.err());
        final CommandRun rtt = CommandRun.of("party", "--config", conf, "--id", "0", "--emulate-rtt", "fast");
        assertEquals(2, rtt.status());
        assertTrue(rtt.err().startsWith("obscura: --emulate-rtt: expected a duration"), rtt.err());

        final CommandRun insecure = CommandRun.of("party", "--config", conf, "--id", "0");
        assertEquals(1, insecure.status());
        assertEquals(1, insecure.err().lines().count(), insecure.err());
        final int line = java.nio.file.Files.readAllLines(d.config()).indexOf("insecure-seed = " + SEED) + 1;
        assertTrue(insecure.err().startsWith("obscura: " + conf + ":" + line + ": insecure-seed derives every share"),
            insecure.err());
        final CommandRun file = CommandRun.of("party", "--config", conf, "--id", "0", "--allow-insecure-seed",
            "--preprocessing", dir.resolve("missing.prep").toString());
        assertEquals(1, file.status());
        assertEquals(1, file.err().lines().count(), file.err());
        assertTrue(file.err().startsWith("obscura: party 0 failed: cannot read the preprocessing file "), file.err());
        assertFalse(file.err().contains("\tat "), file.err());
    }

    private static String[] concat(final String[] a, final String[] b) {
        final String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
