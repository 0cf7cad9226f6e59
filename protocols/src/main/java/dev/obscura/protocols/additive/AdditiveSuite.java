package dev.obscura.protocols.additive;

import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.dealer.ComparisonCorrelation;
import dev.obscura.protocols.dealer.CorrelationCatalogue;
import dev.obscura.protocols.dealer.Dealer;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.protocols.dealer.PreprocessingFile;
import dev.obscura.protocols.dealer.TripleCorrelation;
import dev.obscura.protocols.dealer.TruncationCorrelation;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * The semi-honest additive suite with a dealer (trusted crypto provider), for any number of parties: additive
 * shares over Z_2^64, Beaver triples for every bilinear map, exact one-round truncation, exact comparison by a
 * bitwise circuit on a dealer-masked opening. Secure against a passive adversary corrupting all but one party,
 * provided the dealer colludes with no party.
 *
 * <p>Its one helper role is the {@link Dealer}, endpoint {@code parties}. The dealer and every party's
 * {@link DealerClient} get the suite's {@link CorrelationCatalogue}: {@link #CORRELATIONS} by default, or a
 * catalogue with a new primitive's correlation added ({@code new AdditiveSuite(CORRELATIONS.with(MyCorrelation.KIND))}).
 * Immutable.
 */
public final class AdditiveSuite implements ProtocolSuite {
    /** The correlations of this suite's primitives: Beaver triples, truncation masks, comparison material. */
    public static final CorrelationCatalogue CORRELATIONS =
        CorrelationCatalogue.of(TripleCorrelation.KIND, TruncationCorrelation.KIND, ComparisonCorrelation.KIND);

    /** The index of the dealer among {@link #helperRoles()}. */
    private static final int DEALER_ROLE = 0;

    private final CorrelationCatalogue correlations;
    /** Each party's preprocessing file, or null when the parties ask the dealer online. */
    private final IntFunction<PreprocessingFile> files;

    /** The suite with {@link #CORRELATIONS}. */
    public AdditiveSuite() {
        this(CORRELATIONS);
    }

    /** The suite whose dealer serves {@code correlations} (which must include {@link #CORRELATIONS}'s kinds). */
    public AdditiveSuite(final CorrelationCatalogue correlations) {
        this(correlations, null);
    }

    private AdditiveSuite(final CorrelationCatalogue correlations, final IntFunction<PreprocessingFile> files) {
        this.correlations = Objects.requireNonNull(correlations, "correlations");
        this.files = files;
    }

    /**
     * This suite with every party served from its preprocessing file ({@code fileOfParty.apply(partyId)}, opened
     * and checked by {@link PreprocessingFile#open}) instead of the dealer online: the dealer made the files ahead of
     * time, so its endpoint is not contacted (a runner need not start it). The parties check at
     * {@link #init} that their files are of one run.
     */
    public AdditiveSuite withPreprocessing(final IntFunction<PreprocessingFile> fileOfParty) {
        return new AdditiveSuite(correlations, Objects.requireNonNull(fileOfParty, "fileOfParty"));
    }

    /** The correlations this suite's dealer serves (for decoding plans and making preprocessing files). */
    public CorrelationCatalogue correlations() {
        return correlations;
    }

    @Override
    public String name() {
        return "additive-dealer";
    }

    /** One role: the dealer, serving this suite's catalogue. */
    @Override
    public List<HelperRole> helperRoles() {
        return List.of(new HelperRole("dealer", (transport, backend, seeds) ->
            new Dealer(transport, backend, correlations, seeds).run()));
    }

    @Override
    public SecurePrimitives init(final Session session) {
        final DealerClient dealer = files == null
            ? DealerClient.connect(session, session.helperId(DEALER_ROLE), correlations)
            : DealerClient.fromFile(session, files.apply(session.partyId()), correlations);
        return new AdditiveOps(session, dealer);
    }

    @Override
    public String toString() {
        return name();
    }
}
