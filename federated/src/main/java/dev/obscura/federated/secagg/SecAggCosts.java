package dev.obscura.federated.secagg;

/**
 * Bytes on the wire of both routes, as formulas in the number of clients {@code n}, the update length {@code m} and
 * (additive route) the number of aggregators {@code k}: every frame is its {@value WireFormat#HEADER_BYTES}-byte
 * header plus the body {@link WireFormat} lays out. The round's setup ({@link RoundSetup}: {@code 28 + 4n};
 * {@link AdditiveRoundSetup}: {@code 32 + 4n}), sent to every party once before the round, is not in the totals. A test
 * runs rounds through {@code encode()} and checks the counted bytes against these.
 *
 * <h2>Bonawitz et al., semi-honest (rounds 0, 1, 2, 4), per message</h2>
 * <pre>
 * AdvertiseKeys   16 + 64                   KeyDirectory    16 + 4 + 68 n1
 * ShareKeys       16 + 4 + 80 (n1 - 1)      ShareDelivery   16 + 4 + 80 (n2 - 1)
 * MaskedInput     16 + 4 + 8m               UnmaskRequest   16 + 4 + 4 n3
 * UnmaskShares    16 + 8 + 20 n3 + 36 (n2 - n3)
 * </pre>
 * with {@code n1 = |U1|, n2 = |U2|, n3 = |U3|}. With no dropouts ({@code n1 = n2 = n3 = n}):
 * <pre>
 * client sends     8m + 100n + 64          (Section 7.1 of the paper: O(n + m))
 * client receives  152n - 20
 * server receives  n (8m + 100n + 64)      (Section 7.2: O(n^2 + mn))
 * server sends     n (152n - 20)
 * </pre>
 * Per pair of clients: 80 bytes of encrypted shares each way (a 32-byte key share and a 16-byte seed share, a 12-byte
 * nonce, a 16-byte tag, a 4-byte id); the masked update itself costs exactly what the plain update would. Four
 * round trips between each client and the server.
 *
 * <h2>Additive sharing among k aggregators (one client message), per message</h2>
 * <pre>
 * AdditiveShare (seed)    16 + 4 + 1 + 16 = 37     AdditiveShare (values)  16 + 4 + 1 + 4 + 8m = 25 + 8m
 * ContributorReport       16 + 4 + 4c              ContributorSet          16 + 4 + 4c
 * AggregatorSum           16 + 4 + 4c + 4 + 8m     (c = contributors)
 * </pre>
 * With no dropouts ({@code c = n}):
 * <pre>
 * client sends          8m + 37k - 12           (receives nothing)
 * aggregator receives   e (25 + 8m) + (n - e) 37 + 20 + 4n,  e = the explicit shares it gets (n/k rounded)
 * aggregator sends      44 + 8n + 8m
 * combiner receives     k (44 + 8n + 8m);   combiner sends  k (20 + 4n)
 * </pre>
 */
public final class SecAggCosts {
    private static final int H = WireFormat.HEADER_BYTES;
    private static final int SEED_SHARE = H + 4 + 1 + WireFormat.SEED_BYTES;

    private SecAggCosts() {
    }

    // ------------------------------------------------------------------------------------------ Bonawitz et al.

    /** {@link RoundSetup}, sent once before the round: {@code 28 + 4n}. */
    public static long roundSetup(final int n) {
        return H + 12 + 4L * n;
    }

    /** {@link AdvertiseKeys}: 80. */
    public static long advertiseKeys() {
        return H + 2L * WireFormat.KEY_BYTES;
    }

    /** {@link KeyDirectory}: {@code 20 + 68 n1}. */
    public static long keyDirectory(final int n1) {
        return H + 4 + (4L + 2 * WireFormat.KEY_BYTES) * n1;
    }

    /** {@link ShareKeys}: {@code 20 + 80 (n1 - 1)}. */
    public static long shareKeys(final int n1) {
        return H + 4 + (long) WireFormat.SHARE_ENTRY_BYTES * (n1 - 1);
    }

    /** {@link ShareDelivery}: {@code 20 + 80 (n2 - 1)}. */
    public static long shareDelivery(final int n2) {
        return H + 4 + (long) WireFormat.SHARE_ENTRY_BYTES * (n2 - 1);
    }

    /** {@link MaskedInput}: {@code 20 + 8m}. */
    public static long maskedInput(final int m) {
        return H + 4 + 8L * m;
    }

    /** {@link UnmaskRequest}: {@code 20 + 4 n3}. */
    public static long unmaskRequest(final int n3) {
        return H + 4 + 4L * n3;
    }

    /** {@link UnmaskShares}: {@code 24 + 20 n3 + 36 (n2 - n3)}. */
    public static long unmaskShares(final int n2, final int n3) {
        return H + 8 + (4L + WireFormat.SEED_BYTES) * n3 + (4L + WireFormat.KEY_BYTES) * (n2 - n3);
    }

    /** Bytes one client sends in a round without dropouts: {@code 8m + 100n + 64}. */
    public static long clientSent(final int n, final int m) {
        return 8L * m + 100L * n + 64;
    }

    /** Bytes one client receives in a round without dropouts: {@code 152n - 20}. */
    public static long clientReceived(final int n) {
        return 152L * n - 20;
    }

    /** Bytes the server receives in a round without dropouts: {@code n (8m + 100n + 64)}. */
    public static long serverReceived(final int n, final int m) {
        return n * clientSent(n, m);
    }

    /** Bytes the server sends in a round without dropouts: {@code n (152n - 20)}. */
    public static long serverSent(final int n) {
        return n * clientReceived(n);
    }

    // ------------------------------------------------------------------------------------------ additive sharing

    /** {@link AdditiveRoundSetup}, sent once before the round: {@code 32 + 4n}. */
    public static long additiveRoundSetup(final int n) {
        return H + 16 + 4L * n;
    }

    /** {@link AdditiveShare} of a seed: 37. */
    public static long additiveSeedShare() {
        return SEED_SHARE;
    }

    /** {@link AdditiveShare} of values: {@code 25 + 8m}. */
    public static long additiveValuesShare(final int m) {
        return H + 4 + 1 + 4 + 8L * m;
    }

    /** Bytes one client sends: {@code 8m + 37k - 12}. */
    public static long additiveClientSent(final int k, final int m) {
        return 8L * m + 37L * k - 12;
    }

    /** {@link ContributorReport} or {@link ContributorSet} of {@code c} clients: {@code 20 + 4c}. */
    public static long contributorList(final int c) {
        return H + 4 + 4L * c;
    }

    /** {@link AggregatorSum}: {@code 24 + 4c + 8m}. */
    public static long aggregatorSum(final int c, final int m) {
        return H + 8 + 4L * c + 8L * m;
    }

    /** Bytes aggregator j receives without dropouts, {@code e} of the n shares being explicit. */
    public static long aggregatorReceived(final int n, final int e, final int m) {
        return e * additiveValuesShare(m) + (long) (n - e) * SEED_SHARE + contributorList(n);
    }

    /** Bytes one aggregator sends without dropouts: {@code 44 + 8n + 8m}. */
    public static long aggregatorSent(final int n, final int m) {
        return contributorList(n) + aggregatorSum(n, m);
    }
}
