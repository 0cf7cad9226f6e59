package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.Counters;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.dealer.PreprocessingFile;
import dev.obscura.protocols.dealer.PreprocessingFileException;
import dev.obscura.protocols.dealer.PreprocessingFileException.Reason;
import dev.obscura.protocols.dealer.PreprocessingFileWriter;
import dev.obscura.protocols.dealer.PreprocessingPlan;
import dev.obscura.random.SeedSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dealer ahead of time: a plan recorded on an online run, files made from it, and parties served by the files
 * with no dealer running give the online results bit for bit (same insecure seed). Every file that is not this
 * party's, this computation's, this deployment's, this run's and intact is refused, naming the file and the reason.
 */
final class PreprocessingFilesTest {
    private static final String SEED = "prep-files-1";
    private static final String COMPUTATION = "test matmul-relu 4x3x2";

    @TempDir
    Path dir;

    private Loopback net;
    private final Backend backend = Backends.byName("java");

    @BeforeEach
    void setUp() {
        net = Loopback.create(dir, 2, List.of("dealer"), "insecure-seed = " + SEED + "\n");
    }

    /** A matrix product of two owners' inputs and its ReLU, revealed to both. */
    static List<double[]> program(final SecureOps ops, final int rows) {
        final int me = ops.session().partyId();
        final double[] a = new double[rows * 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) - 3.25;
        }
        final double[] b = {1.5, -2, 0.25, 3, -1, 0.5};
        try (SecretTensor x = ops.input(0, me == 0 ? a : null, rows, 3);
             SecretTensor w = ops.input(1, me == 1 ? b : null, 3, 2);
             SecretTensor y = ops.matmul(x, w, false, false);
             SecretTensor r = ops.relu(y)) {
            final List<double[]> out = new ArrayList<>();
            out.add(ops.reveal(y));
            out.add(ops.reveal(r));
            final Counters total = ops.session().stats().total();
            out.add(new double[] {total.dealerBytes()});
            return out;
        }
    }

    private UnaryOperator<EndpointRuntime.Context> settings(final UnaryOperator<EndpointRuntime.Context> more) {
        return c -> more.apply(c.backend(backend).allowInsecureSeed(true).computation(COMPUTATION));
    }

    /** An online run in which party 0 records the plan; returns the plan file and the results. */
    private List<List<double[]>> recordOnline(final Path planFile) {
        return TcpParties.runtimes(net.config(), new AdditiveSuite(),
            settings(c -> c.self == 0 ? c.recordPlan(planFile) : c), ops -> program(ops, 4)).orThrow();
    }

    private List<PreprocessingFileWriter.Run> makeFiles(final Path planFile, final int runs) {
        return EndpointRuntime.writePreprocessing(new EndpointRuntime.Context().config(net.config()).self(2)
            .suite(new AdditiveSuite()).backend(backend).allowInsecureSeed(true), PreprocessingPlan.read(planFile),
            dir.resolve("prep"), runs);
    }

    /** The parties alone (no dealer endpoint), each served by {@code files.get(p)}. */
    private TcpParties.Outcome<List<double[]>> offline(final List<Path> files, final int rows) {
        return TcpParties.runtimes(net.config(), new AdditiveSuite(),
            settings(c -> c.preprocessing(files.get(c.self))), ops -> program(ops, rows), 2);
    }

    private PreprocessingFile.Expected expected(final int party, final String computation) {
        return new PreprocessingFile.Expected(party, 2, net.config().digest(), computation,
            PemFiles.authority(net.config()), "dealer");
    }

    @Test
    void shouldGiveTheOnlineResultsFromFilesMadeAheadOfTime() {
        final Path planFile = dir.resolve("plan.obp");
        final List<List<double[]>> online = recordOnline(planFile);
        final PreprocessingPlan plan = PreprocessingPlan.read(planFile);
        assertEquals(COMPUTATION, plan.computation());
        assertTrue(plan.size() >= 2, "a triple and the ReLU's material: " + plan);
        final List<PreprocessingFileWriter.Run> runs = makeFiles(planFile, 2);
        assertEquals(2, runs.size());
        for (final Path f : runs.get(0).files()) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                uncheck(() -> Files.getPosixFilePermissions(f))), "a file holds a party's dealer seed: " + f);
        }
        // Run 1 draws the dealer's seeds as the online dealer did: bit for bit the online results.
        final List<List<double[]>> first = offline(runs.get(0).files(), 4).orThrow();
        for (int p = 0; p < 2; p++) {
            assertArrayEquals(online.get(p).get(0), first.get(p).get(0), "party " + p + ", product");
            assertArrayEquals(online.get(p).get(1), first.get(p).get(1), "party " + p + ", relu");
            assertTrue(online.get(p).get(2)[0] > 0, "online, the dealer sent material");
            assertEquals(0, first.get(p).get(2)[0], "from a file, no dealer traffic");
        }
        // Run 2 has other masks and triples: the same values within the fixed-point error.
        final List<List<double[]>> second = offline(runs.get(1).files(), 4).orThrow();
        for (int i = 0; i < online.get(0).get(0).length; i++) {
            assertEquals(online.get(0).get(0)[i], second.get(0).get(0)[i], 1e-4);
        }
        // Each file serves once.
        final EndpointFailedException again = assertInstanceOf(EndpointFailedException.class,
            offline(runs.get(0).files(), 4).failures().get(0));
        assertTrue(again.getMessage().contains("was used before"), again.getMessage());
    }

    @Test
    void shouldRefuseEveryFileThatIsNotThisPartysRunOfThisComputation() throws IOException {
        final Path planFile = dir.resolve("plan.obp");
        recordOnline(planFile);
        final List<Path> run = makeFiles(planFile, 1).get(0).files();
        final Path party0 = run.get(0);
        final Path party1 = run.get(1);

        assertRefused(Reason.OTHER_PARTY, "it is party 1's file, this is party 0", party1, expected(0, COMPUTATION));
        assertRefused(Reason.OTHER_COMPUTATION, "serves the computation \"" + COMPUTATION + "\"", copy(party0, "a"),
            expected(0, "test matmul-relu 8x3x2"));
        assertRefused(Reason.OTHER_CONFIGURATION, "made for another deployment", copy(party0, "b"),
            new PreprocessingFile.Expected(0, 2, new byte[32], COMPUTATION, PemFiles.authority(net.config()),
                "dealer"));
        final byte[] bytes = Files.readAllBytes(party1);
        assertRefused(Reason.TRUNCATED, "cut off", write("cut", java.util.Arrays.copyOf(bytes, bytes.length - 1)),
            expected(1, COMPUTATION));
        final byte[] appended = java.util.Arrays.copyOf(bytes, bytes.length + 8);
        assertRefused(Reason.TRUNCATED, "longer than its header says", write("long", appended), expected(1, COMPUTATION));
        for (final int at : new int[] {10, 40, 200, bytes.length / 2, bytes.length - 80}) {
            final byte[] tampered = bytes.clone();
            tampered[at] ^= 0x10;
            final PreprocessingFileException e = assertThrows(PreprocessingFileException.class,
                () -> PreprocessingFile.open(write("tampered-" + at, tampered), expected(1, COMPUTATION)));
            assertTrue(e.reason() == Reason.NOT_AUTHENTIC || e.reason() == Reason.MALFORMED
                || e.reason() == Reason.TRUNCATED, "byte " + at + ": " + e.getMessage());
        }
        final byte[] noise = new byte[4096];
        new java.util.SplittableRandom(3).nextBytes(noise);
        assertRefused(Reason.MALFORMED, "not a preprocessing file", write("noise", noise), expected(1, COMPUTATION));

        // Signed by another endpoint of the same CA (a party's key): not the dealer's file.
        final NetworkConfig.Endpoint party = net.config().endpoint(0);
        final PreprocessingFileWriter forger = new PreprocessingFileWriter(PreprocessingPlan.read(planFile),
            AdditiveSuite.CORRELATIONS, 2, net.config().digest(), new PreprocessingFileWriter.Signer(
            PemFiles.privateKey(net.config(), party), PemFiles.certificate(net.config(), party)), backend);
        final Path forged = forger.write(dir.resolve("forged"), SeedSource.secure()).files().get(0);
        assertRefused(Reason.NOT_AUTHENTIC, "its certificate names party-0, not the dealer's endpoint dealer", forged,
            expected(0, COMPUTATION));
        // A CA of another deployment.
        final Loopback other = Loopback.create(dir.resolve("other"), 2, List.of("dealer"), "");
        assertRefused(Reason.NOT_AUTHENTIC, "not issued by the deployment's CA", copy(party0, "c"),
            new PreprocessingFile.Expected(0, 2, net.config().digest(), COMPUTATION, PemFiles.authority(other.config()),
                "dealer"));

        // The good file opens once, and is refused the second time.
        PreprocessingFile.open(party0, expected(0, COMPUTATION)).close();
        assertTrue(Files.exists(PreprocessingFile.usedMarker(party0)));
        assertRefused(Reason.OLD_RUN, "it was used before", party0, expected(0, COMPUTATION));
    }

    @Test
    void shouldFailEveryPartyWhenOneRefusesItsFileOrTheRunsDiffer() {
        // A party that refuses its file fails before it connects: its peer waits the connect time-out; keep it short.
        net = Loopback.create(dir.resolve("short"), 2, List.of("dealer"), "insecure-seed = " + SEED
            + "\nconnect-timeout = 4s\n");
        final Path planFile = dir.resolve("plan.obp");
        recordOnline(planFile);
        final List<PreprocessingFileWriter.Run> runs = makeFiles(planFile, 4);

        // Party 1 holds party 0's file: it refuses it at once, before connecting; party 0 fails when party 1 does
        // not join, naming it, and its own file stays unused.
        final long start = System.nanoTime();
        final TcpParties.Outcome<List<double[]>> swapped = offline(List.of(runs.get(0).files().get(0),
            runs.get(0).files().get(0)), 4);
        assertFailure(swapped, 1, "party 1 failed: preprocessing file " + runs.get(0).files().get(0)
            + " refused: it is party 0's file, this is party 1");
        assertTrue(swapped.endNanos().get(1) - start < 3_000_000_000L, "the refusal does not wait for the peers");
        assertFailure(swapped, 0, "endpoint 1 (party-1)");
        assertTrue(!Files.exists(PreprocessingFile.usedMarker(runs.get(0).files().get(0))),
            "a party that never reached its peers keeps its file unused");

        // Files of two runs: the parties notice before computing.
        final TcpParties.Outcome<List<double[]>> mixed = offline(List.of(runs.get(1).files().get(0),
            runs.get(2).files().get(1)), 4);
        final String either = String.valueOf(mixed.failures().get(0)) + mixed.failures().get(1);
        assertTrue(either.contains("every party must use the files of one dealer run"), either);

        // The program asks for more than the plan: refused at the first request that differs, at every party.
        final TcpParties.Outcome<List<double[]>> bigger = offline(runs.get(3).files(), 8);
        final String both = String.valueOf(bigger.failures().get(0)) + bigger.failures().get(1);
        assertTrue(both.contains("it serves another computation"), both);
        assertNull(bigger.results().get(0));
    }

    @Test
    void shouldRefuseAPartyWithoutAFileBesideOneWithAFile() {
        // The dealer waits for party 0, which does not dial it, until the connect time-out: keep that short.
        net = Loopback.create(dir.resolve("short"), 2, List.of("dealer"), "insecure-seed = " + SEED
            + "\nconnect-timeout = 3s\n");
        final Path planFile = dir.resolve("plan.obp");
        recordOnline(planFile);
        final Path file0 = makeFiles(planFile, 1).get(0).files().get(0);
        // Party 0 uses a file; party 1 and the dealer run online.
        final TcpParties.Outcome<List<double[]>> out = TcpParties.runtimes(net.config(), new AdditiveSuite(),
            settings(c -> c.self == 0 ? c.preprocessing(file0) : c), ops -> program(ops, 4));
        // Party 1 waits for the dealer, which waits for party 0 until its connect time-out: every endpoint fails,
        // each naming party 0 as the one that did not join.
        for (int e = 0; e < 3; e++) {
            final Throwable t = out.failures().get(e);
            assertNotNull(t, "endpoint " + e + " did not fail");
            assertTrue(t.getMessage().contains("was not joined within 3000 ms (connect-timeout) by endpoint 0"
                + " (party-0)"), "endpoint " + e + ": " + t.getMessage());
        }
    }

    @Test
    void shouldRefuseAnInsecureSeedUnlessAllowedAndHelpersThatAreNotTheSuitesRoles() {
        final ConfigException seed = assertThrows(ConfigException.class, () -> EndpointRuntime.open(
            new EndpointRuntime.Context().config(net.config()).self(0).suite(new AdditiveSuite())
                .allowInsecureSeed(false)));
        assertTrue(seed.getMessage().contains("network.conf:") && seed.getMessage().contains("insecure-seed")
            && seed.getMessage().contains("--allow-insecure-seed"), seed.getMessage());
        final NetworkConfig noDealer = net.variant("no-dealer.conf",
            t -> t.replaceAll("(?m)^helper\\.dealer.*$", "helper.crypto = 127.0.0.1:1"));
        final ConfigException roles = assertThrows(ConfigException.class, () -> EndpointRuntime.open(
            new EndpointRuntime.Context().config(noDealer).self(0).suite(new AdditiveSuite()).allowInsecureSeed(true)));
        assertTrue(roles.getMessage().contains("the helper endpoints [crypto] are not the roles that suite"
            + " additive-dealer declares [dealer]: the file needs, in this order, helper.dealer = HOST:PORT"),
            roles.getMessage());
        final ConfigException suite = assertThrows(ConfigException.class, () -> EndpointRuntime.open(
            new EndpointRuntime.Context().config(net.config()).self(0).allowInsecureSeed(true)
                .suite(new dev.obscura.protocols.clear.ClearSuite())));
        assertTrue(suite.getMessage().contains("suite = additive-dealer, but this program runs the suite clear"),
            suite.getMessage());
    }

    private static void assertFailure(final TcpParties.Outcome<?> out, final int party, final String expected) {
        final Throwable t = out.failures().get(party);
        assertNotNull(t, "party " + party + " did not fail");
        assertTrue(t.getMessage().contains(expected), "party " + party + ": " + t.getMessage());
    }

    private static void assertRefused(final Reason reason, final String expected, final Path file,
                                      final PreprocessingFile.Expected what) {
        final PreprocessingFileException e = assertThrows(PreprocessingFileException.class,
            () -> PreprocessingFile.open(file, what));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("preprocessing file " + file + " refused: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!Files.exists(PreprocessingFile.usedMarker(file)) || reason == Reason.OLD_RUN,
            "a refused file is not marked used: " + file);
    }

    private Path copy(final Path file, final String name) throws IOException {
        return Files.copy(file, dir.resolve(name + ".prep"));
    }

    private Path write(final String name, final byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name + ".prep"), bytes);
    }

    private static <T> T uncheck(final IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }
}
