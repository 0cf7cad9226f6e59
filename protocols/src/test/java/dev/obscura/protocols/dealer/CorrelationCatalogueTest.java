package dev.obscura.protocols.dealer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.mpc.Bilinear;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.transport.InProcessNetwork;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The typed catalogue of correlation kinds that a suite hands its dealer and its parties' clients: the wire
 * encoding, refusals, and a new kind served end to end by the unchanged dealer once the catalogue lists it.
 */
class CorrelationCatalogueTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** A test correlation: a uniform {@code r} and its square {@code r * r}, both arithmetically shared. */
    record SquarePair(int count) implements Correlation<SquarePair.Material> {
        static final CorrelationKind<SquarePair> KIND = new CorrelationKind<>("square", p -> {
            if (p.length != 1 || p[0] < 1) {
                throw new IllegalArgumentException("malformed square request, length=" + p.length);
            }
            return new SquarePair(p[0]);
        });

        record Material(RingTensor r, RingTensor square) implements AutoCloseable {
            @Override
            public void close() {
                r.close();
                square.close();
            }
        }

        @Override
        public CorrelationKind<SquarePair> kind() {
            return KIND;
        }

        @Override
        public int[] params() {
            return new int[] {count};
        }

        @Override
        public Material generate(final Source s) {
            final RingTensor r = s.uniform(Source.Sharing.ARITHMETIC, count);
            final RingTensor square = s.dependent(Source.Sharing.ARITHMETIC, new int[] {count}, be -> {
                final RingTensor whole = RingTensor.zeros(count);
                be.mul(r, r, whole);
                return whole;
            });
            return new Material(r, square);
        }
    }

    @Test
    void shouldRoundTripEveryKindOfTheAdditiveSuite() {
        final List<Correlation<?>> requests = List.of(
            new TripleCorrelation(Bilinear.matmul(new int[] {2, 3, 5}, new int[] {5, 4}, false, false)),
            new TruncationCorrelation(17, 16),
            new ComparisonCorrelation(70, true));
        for (final Correlation<?> c : requests) {
            final Correlation<?> back = AdditiveSuite.CORRELATIONS.decode(AdditiveSuite.CORRELATIONS.encode(c));
            assertTrue(Correlation.same(c, back), c.kind().name());
            assertEquals(c, back);
        }
    }

    @Test
    void shouldEncodeTheWireFormatOfTheClassComment() {
        final byte[] bytes = AdditiveSuite.CORRELATIONS.encode(new TruncationCorrelation(17, 16));
        // nameLength 5, "trunc", paramCount 2, 17, 16
        assertArrayEquals(new byte[] {0, 0, 0, 5, 't', 'r', 'u', 'n', 'c', 0, 0, 0, 2, 0, 0, 0, 17, 0, 0, 0, 16},
            bytes);
    }

    @Test
    void shouldRefuseKindsItDoesNotList() {
        final IllegalArgumentException encode = assertThrows(IllegalArgumentException.class,
            () -> AdditiveSuite.CORRELATIONS.encode(new SquarePair(3)));
        assertTrue(encode.getMessage().contains("kind=square"), encode.getMessage());
        final byte[] request = AdditiveSuite.CORRELATIONS.with(SquarePair.KIND).encode(new SquarePair(3));
        final IllegalArgumentException decode = assertThrows(IllegalArgumentException.class,
            () -> AdditiveSuite.CORRELATIONS.decode(request));
        assertTrue(decode.getMessage().contains("unknown correlation kind, kind=square"), decode.getMessage());
        assertFalse(AdditiveSuite.CORRELATIONS.contains(SquarePair.KIND));
        // A different kind under a listed name is not the listed kind.
        assertFalse(AdditiveSuite.CORRELATIONS.contains(new CorrelationKind<>("trunc", p -> new SquarePair(1))));
    }

    @Test
    void shouldRefuseTwoKindsOfOneNameAndMalformedRequests() {
        assertThrows(IllegalArgumentException.class,
            () -> AdditiveSuite.CORRELATIONS.with(new CorrelationKind<>("beaver", p -> new SquarePair(1))));
        assertThrows(IllegalArgumentException.class, () -> new CorrelationKind<>("", p -> new SquarePair(1)));
        assertThrows(IllegalArgumentException.class, () -> AdditiveSuite.CORRELATIONS.decode(new byte[3]));
        assertThrows(IllegalArgumentException.class,
            () -> AdditiveSuite.CORRELATIONS.decode(new byte[] {0, 0, 0, 5, 't', 'r', 'u', 'n', 'c', 0, 0, 0, 2}));
    }

    @Test
    void shouldServeANewKindOnceTheCatalogueListsIt() throws Exception {
        final CorrelationCatalogue catalogue = AdditiveSuite.CORRELATIONS.with(SquarePair.KIND);
        for (final int parties : new int[] {2, 3}) {
            final List<long[]> opened = runWithDealer(parties, catalogue, client -> {
                try (SquarePair.Material m = client.take(new SquarePair(9))) {
                    return new long[][] {m.r().toArray(), m.square().toArray()};
                }
            });
            // Add up the parties' shares: square = r * r in the ring.
            final long[] r = new long[9];
            final long[] square = new long[9];
            for (int p = 0; p < parties; p++) {
                for (int i = 0; i < 9; i++) {
                    r[i] += opened.get(2 * p)[i];
                    square[i] += opened.get(2 * p + 1)[i];
                }
            }
            for (int i = 0; i < 9; i++) {
                assertEquals(r[i] * r[i], square[i], "element " + i + ", parties " + parties);
            }
        }
    }

    @Test
    void shouldFailAtEveryPartyBeforeAskingForAKindTheDealerDoesNotServe() {
        final Exception e = assertThrows(Exception.class, () -> runWithDealer(2, AdditiveSuite.CORRELATIONS,
            client -> {
                try (SquarePair.Material m = client.take(new SquarePair(4))) {
                    return new long[][] {m.r().toArray()};
                }
            }));
        final IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(cause.getMessage().contains("kind=square"), cause.getMessage());
    }

    /**
     * Runs a dealer with {@code catalogue} and {@code parties} parties whose clients run {@code program}; returns
     * every party's arrays, party by party.
     */
    private static List<long[]> runWithDealer(final int parties, final CorrelationCatalogue catalogue,
                                              final Function<DealerClient, long[][]> program) throws Exception {
        final Backend backend = Backends.byName("java");
        // A thread per endpoint: they wait on each other.
        final ExecutorService threads = Executors.newFixedThreadPool(parties + 1);
        try (InProcessNetwork net = new InProcessNetwork(parties, true, TIMEOUT)) {
            final CompletableFuture<Void> dealer = CompletableFuture.runAsync(
                () -> new Dealer(net.endpoint(parties), backend, catalogue).run(), threads);
            final List<CompletableFuture<long[][]>> results = new ArrayList<>();
            for (int p = 0; p < parties; p++) {
                final int id = p;
                results.add(CompletableFuture.supplyAsync(() -> {
                    try (Session session = Session.establish(net.endpoint(id), backend, FixedPoint.defaultEncoding(),
                        1)) {
                        return program.apply(DealerClient.connect(session, session.helperId(0), catalogue));
                    }
                }, threads));
            }
            final List<long[]> out = new ArrayList<>();
            for (final CompletableFuture<long[][]> r : results) {
                out.addAll(List.of(r.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)));
            }
            dealer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return out;
        } finally {
            threads.shutdownNow();
        }
    }
}
