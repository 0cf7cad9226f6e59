package dev.obscura.protocols;

import java.nio.charset.StandardCharsets;

/**
 * The analytic costs of the additive suite with a dealer ({@link dev.obscura.protocols.additive.AdditiveSuite}),
 * from its protocols:
 *
 * <ul>
 *   <li>Input: every other party draws its share from the seed it shares with the owner: 0 rounds, 0 bytes.</li>
 *   <li>Open: each party sends its share to each of the other {@code n - 1} parties: 1 round,
 *       {@code (n-1) * len * 8} bytes. Open to one party: the receiver sends nothing, every other party sends
 *       {@code len * 8} bytes; 1 round.</li>
 *   <li>Beaver product {@code z = op(x, y)}: each party opens {@code x - a} and {@code y - b} in one frame per peer:
 *       1 round, {@code (n-1) * (|x| + |y|) * 8} bytes; then, for fixed point x fixed point, one truncation.</li>
 *   <li>Truncation: opens {@code x + r}: 1 round, {@code (n-1) * len * 8} bytes.</li>
 *   <li>Dealer: every share of a uniform value and every share but the last party's of a dependent value come from
 *       the seed the dealer sent at connection time, so per call the last party receives only its corrections
 *       ({@code c} of a triple: {@code |z| * 8} bytes; {@code r_high} and {@code r_msb} of a truncation mask:
 *       {@code 2 * len * 8} bytes), party 0 sends the request (kind and integer parameters:
 *       {@code 4 + |kind| + 4 + 4 * params} bytes), and every other party exchanges nothing with the dealer.</li>
 *   <li>Comparison (ReLU and friends) at 2 parties: the product target of at most 8 rounds and 64 bytes sent per
 *       element.</li>
 * </ul>
 */
public final class AdditiveDealerCostModel implements CostModel {
    private static final String TRIPLE_KIND = "beaver";
    private static final String TRUNCATION_KIND = "trunc";
    /** Bilinear request parameters: kind, two transposes, four spec fields, three ranks, then the dimensions. */
    private static final int BILINEAR_FIXED_PARAMS = 10;

    @Override
    public Cost input(final int parties, final int party, final int owner, final long numel) {
        return Cost.FREE;
    }

    @Override
    public Cost open(final int parties, final int party, final long numel) {
        return new Cost(1, (parties - 1) * numel * 8, 0);
    }

    @Override
    public Cost revealTo(final int parties, final int party, final int receiver, final long numel) {
        return new Cost(1, party == receiver ? 0 : numel * 8, 0);
    }

    @Override
    public Cost bilinear(final int parties, final int party, final BilinearCall call) {
        final long beaverBytes = (parties - 1) * (call.numelX() + call.numelY()) * 8;
        final int params = BILINEAR_FIXED_PARAMS + call.x().length + call.y().length + call.z().length;
        long dealer = dealerBytes(parties, party, requestBytes(TRIPLE_KIND, params), call.numelZ() * 8);
        long rounds = 1;
        long sent = beaverBytes;
        if (call.truncateBits() > 0) {
            final Cost t = truncate(parties, party, call.numelZ(), call.truncateBits());
            rounds += t.rounds();
            sent += t.bytesSent();
            dealer += t.dealerBytes();
        }
        return new Cost(rounds, sent, dealer);
    }

    @Override
    public Cost truncate(final int parties, final int party, final long numel, final int bits) {
        return new Cost(1, (parties - 1) * numel * 8,
            dealerBytes(parties, party, requestBytes(TRUNCATION_KIND, 2), 2 * numel * 8));
    }

    @Override
    public Cost publicProduct(final int parties, final int party, final long numelZ, final int truncateBits) {
        return truncateBits > 0 ? truncate(parties, party, numelZ, truncateBits) : Cost.FREE;
    }

    @Override
    public Cost comparisonBudget(final String op, final int parties, final long numel) {
        return parties == 2 ? new Cost(8, 64 * numel, Cost.ANY) : null;
    }

    /** Party 0 sends the request; the last party receives the corrections; the others exchange nothing. */
    private static long dealerBytes(final int parties, final int party, final long request, final long corrections) {
        long bytes = 0;
        if (party == 0) {
            bytes += request;
        }
        if (party == parties - 1) {
            bytes += corrections;
        }
        return bytes;
    }

    /** A request on the wire: kind length (int), kind (UTF-8), parameter count (int), parameters (ints). */
    static long requestBytes(final String kind, final int params) {
        return 4 + kind.getBytes(StandardCharsets.UTF_8).length + 4 + 4L * params;
    }
}
