package dev.obscura.protocols.additive;

import dev.obscura.mpc.HelperRole;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.dealer.ComparisonCorrelation;
import dev.obscura.protocols.dealer.CorrelationCatalogue;
import dev.obscura.protocols.dealer.Dealer;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.protocols.dealer.TripleCorrelation;
import dev.obscura.protocols.dealer.TruncationCorrelation;
import java.util.List;
import java.util.Objects;

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

    /** The suite with {@link #CORRELATIONS}. */
    public AdditiveSuite() {
        this(CORRELATIONS);
    }

    /** The suite whose dealer serves {@code correlations} (which must include {@link #CORRELATIONS}'s kinds). */
    public AdditiveSuite(final CorrelationCatalogue correlations) {
        this.correlations = Objects.requireNonNull(correlations, "correlations");
    }

    @Override
    public String name() {
        return "additive-dealer";
    }

    /** One role: the dealer, serving this suite's catalogue. */
    @Override
    public List<HelperRole> helperRoles() {
        return List.of(new HelperRole("dealer", (transport, backend) ->
            new Dealer(transport, backend, correlations).run()));
    }

    @Override
    public SecurePrimitives init(final Session session) {
        return new AdditiveOps(session, DealerClient.connect(session, session.helperId(DEALER_ROLE), correlations));
    }

    @Override
    public String toString() {
        return name();
    }
}
