package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Client {@code u} of one round of Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving Machine
 * Learning" (CCS 2017), semi-honest version: Figure 4 without the parts for active adversaries (no signatures, no
 * round 3). Each method is one round of the paper: it takes the server's last message and returns u's reply, and the
 * caller carries the messages over any transport:
 *
 * <pre>{@code
 * SecAggClient client = new SecAggClient(id, setup, backend);
 * AdvertiseKeys  m0 = client.advertiseKeys();                          // round 0
 * ShareKeys      m1 = client.shareKeys(keyDirectory);                   // round 1
 * MaskedInput    m2 = client.maskedInput(shareDelivery, update);        // round 2
 * UnmaskShares   m4 = client.unmask(unmaskRequest);                     // round 4
 * }</pre>
 *
 * <p>A message that is refused ({@link SecAggException}: another round, out of order, addressed to another client, a
 * share that fails authentication, sets that contradict the round) changes nothing. Secrets (the two secret keys, the
 * self-mask seed, the shares held for others) live only in this object, are overwritten once used where they are
 * arrays, and never appear in a message text or {@link #toString()}.
 *
 * <p>Not thread-safe: one thread drives one client.
 */
public final class SecAggClient {
    private final int id;
    private final RoundSetup setup;
    private final Backend backend;
    private final SecureRandom random;
    /** {@code (c_u^PK, c_u^SK)}: encrypts the shares u exchanges with the other clients. */
    private final KeyAgreement.KeyPair encryptionKeys;
    /** {@code (s_u^PK, s_u^SK)}: agrees the seeds of u's pairwise masks. */
    private final KeyAgreement.KeyPair maskingKeys;
    private Stage stage = Stage.ADVERTISE_KEYS;
    /** {@code U1} with each client's public keys, from round 1 on. */
    private Map<Integer, AdvertiseKeys> directory;
    /** {@code b_u}, the self-mask seed, from round 1 on. */
    private Seed selfMaskSeed;
    /** {@code b_{u,u}}: u's own share of {@code b_u}, revealed in round 4 when u survives. */
    private byte[] ownSelfMaskShare;
    /** {@code v -> s_{v,u}^SK} and {@code v -> b_{v,u}} for {@code v in U2 \ {u}}, from round 2 on. */
    private final SortedMap<Integer, byte[]> maskingKeySharesHeld = new TreeMap<>();
    private final SortedMap<Integer, byte[]> selfMaskSharesHeld = new TreeMap<>();
    /** {@code v -> k_{v,u}}, the keys that open the shares sent to u, from round 1 to round 2. */
    private final SortedMap<Integer, byte[]> incomingShareKeys = new TreeMap<>();
    /** {@code U2}, from round 2 on. */
    private int[] sharers;

    /**
     * A client of the round {@code setup}, with fresh key pairs ({@code KA.gen}, from {@link SecureRandom}).
     *
     * @param backend expands the masks ({@code dev.obscura.random.Prg})
     */
    public SecAggClient(final int id, final RoundSetup setup, final Backend backend) {
        if (!setup.invites(id)) {
            throw new IllegalArgumentException("client is not invited to the round, client=" + id + ", round="
                + RoundIds.format(setup.roundId()));
        }
        this.id = id;
        this.setup = setup;
        this.backend = backend;
        this.random = new SecureRandom();
        this.encryptionKeys = KeyAgreement.KeyPair.generate(random);
        this.maskingKeys = KeyAgreement.KeyPair.generate(random);
    }

    /** {@code u}. */
    public int id() {
        return id;
    }

    /** The round. */
    public RoundSetup setup() {
        return setup;
    }

    /** The stage whose message this client takes next. */
    public Stage stage() {
        return stage;
    }

    // ------------------------------------------------------------------------------------------ round 0

    /** Round 0 (AdvertiseKeys): sends {@code (c_u^PK, s_u^PK)}. */
    public AdvertiseKeys advertiseKeys() {
        if (stage != Stage.ADVERTISE_KEYS) {
            throw new SecAggException(Reason.REPLAYED, "keys already advertised, client=" + id + ", stage=" + stage);
        }
        stage = Stage.SHARE_KEYS;
        return new AdvertiseKeys(setup.roundId(), id, encryptionKeys.publicKey(), maskingKeys.publicKey());
    }

    // ------------------------------------------------------------------------------------------ round 1

    /**
     * Round 1 (ShareKeys). Receives {@code U1} with its keys and checks that {@code |U1| >= t}, that u is listed with
     * its own keys, and that all {@code 2|U1|} public keys are distinct. Then draws the self-mask seed {@code b_u},
     * shares {@code s_u^SK} and {@code b_u} t-of-{@code |U1|} ({@link ShamirGf256}) and encrypts each other client's
     * pair of shares to it.
     */
    public ShareKeys shareKeys(final KeyDirectory keyDirectory) {
        expect(Stage.SHARE_KEYS, keyDirectory);
        final Map<Integer, AdvertiseKeys> u1 = checkDirectory(keyDirectory);
        final int[] members = keyDirectory.clients();
        final int[] points = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            points[i] = setup.evaluationPoint(members[i]);
        }
        // b_u <- F, uniform.
        final byte[] seed = new byte[Seed.BYTES];
        random.nextBytes(seed);
        // {(v, s_{u,v}^SK)}_{v in U1} <- SS.share(s_u^SK, t, U1) and {(v, b_{u,v})}_{v in U1} <- SS.share(b_u, t, U1).
        final byte[] secretKey = maskingKeys.secretKeyBytes();
        final byte[][] keyShares = ShamirGf256.share(secretKey, setup.threshold(), points, random);
        final byte[][] seedShares = ShamirGf256.share(seed, setup.threshold(), points, random);
        Arrays.fill(secretKey, (byte) 0);
        final List<EncryptedShare> encrypted = new ArrayList<>(members.length - 1);
        byte[] own = null;
        try {
            for (int i = 0; i < members.length; i++) {
                final int v = members[i];
                if (v == id) {
                    own = seedShares[i].clone();
                    continue;
                }
                // e_{u,v} <- AE.enc(KA.agree(c_u^SK, c_v^PK), s_{u,v}^SK || b_{u,v}), u and v as associated data.
                final byte[] plaintext = ByteBuffer.allocate(WireFormat.KEY_BYTES + WireFormat.SEED_BYTES)
                    .put(keyShares[i]).put(seedShares[i]).array();
                // One agreement serves both directions: k_{u,v} now, k_{v,u} kept to open e_{v,u} in round 2.
                final byte[] agreed = encryptionKeys.agree(u1.get(v).encryptionKey(), v);
                final byte[] key = KeyAgreement.shareKey(agreed, setup.roundId(), id, v);
                incomingShareKeys.put(v, KeyAgreement.shareKey(agreed, setup.roundId(), v, id));
                Arrays.fill(agreed, (byte) 0);
                encrypted.add(ShareCipher.encrypt(key, setup.roundId(), id, v, plaintext, random));
                Arrays.fill(key, (byte) 0);
                Arrays.fill(plaintext, (byte) 0);
            }
        } catch (final RuntimeException e) {
            // A refused directory (a peer key of small order) changes nothing: drop what was derived from it.
            wipe(incomingShareKeys);
            throw e;
        } finally {
            wipe(keyShares);
            wipe(seedShares);
        }
        directory = u1;
        selfMaskSeed = Seed.fromBytes(seed);
        Arrays.fill(seed, (byte) 0);
        ownSelfMaskShare = own;
        stage = Stage.MASKED_INPUT_COLLECTION;
        return new ShareKeys(setup.roundId(), id, encrypted);
    }

    private Map<Integer, AdvertiseKeys> checkDirectory(final KeyDirectory keyDirectory) {
        final int[] members = keyDirectory.clients();
        if (members.length < setup.threshold()) {
            throw SecAggException.tooFewClients(Stage.ADVERTISE_KEYS.name(), members.length, setup.threshold(),
                setup.roundId());
        }
        final Map<Integer, AdvertiseKeys> u1 = new TreeMap<>();
        final Set<ByteBuffer> keys = new HashSet<>();
        for (final AdvertiseKeys entry : keyDirectory.entries()) {
            if (!setup.invites(entry.sender())) {
                throw new SecAggException(Reason.INCONSISTENT, "key directory lists a client not invited, client="
                    + entry.sender() + ", round=" + RoundIds.format(setup.roundId()));
            }
            // Every key pair distinct (Figure 4, round 1): a repeated key would give two clients the same masks.
            if (!keys.add(ByteBuffer.wrap(entry.encryptionKey())) || !keys.add(ByteBuffer.wrap(entry.maskingKey()))) {
                throw new SecAggException(Reason.INCONSISTENT, "key directory repeats a public key, client="
                    + entry.sender() + ", round=" + RoundIds.format(setup.roundId()));
            }
            u1.put(entry.sender(), entry);
        }
        final AdvertiseKeys mine = u1.get(id);
        if (mine == null || !encryptionKeys.hasPublicKey(mine.encryptionKey())
            || !maskingKeys.hasPublicKey(mine.maskingKey())) {
            throw new SecAggException(Reason.INCONSISTENT, "key directory does not hold this client's advertised keys,"
                + " client=" + id + ", round=" + RoundIds.format(setup.roundId()));
        }
        return u1;
    }

    // ------------------------------------------------------------------------------------------ round 2

    /**
     * Round 2 (MaskedInputCollection). Receives {@code e_{v,u}} from every other client v of {@code U2}, checks that
     * {@code U2} is a subset of {@code U1} with {@code |U2| >= t}, and opens every share now (the paper opens them in
     * round 4; opening them here refuses a tampered share before u commits its masked update). Then masks the update:
     * <pre>
     *   y_u = x_u + PRG(b_u) + sum_{v in U2 \ {u}} Delta_{u,v} PRG(s_{u,v})   (mod 2^64),
     *   s_{u,v} = KA.agree(s_u^SK, s_v^PK),  Delta_{u,v} = +1 if u &gt; v, -1 if u &lt; v.
     * </pre>
     *
     * @param update {@code x_u}: {@code m} elements of Z_2^64 (fixed-point encoded values), any shape
     */
    public MaskedInput maskedInput(final ShareDelivery delivery, final RingTensor update) {
        expect(Stage.MASKED_INPUT_COLLECTION, delivery);
        if (delivery.recipient() != id) {
            throw new SecAggException(Reason.WRONG_RECIPIENT, "share delivery addressed to another client, recipient="
                + delivery.recipient() + ", client=" + id + ", round=" + RoundIds.format(setup.roundId()));
        }
        if (update.numel() != setup.vectorLength()) {
            throw new IllegalArgumentException("update must have vectorLength elements, numel=" + update.numel()
                + ", vectorLength=" + setup.vectorLength());
        }
        final SortedMap<Integer, byte[][]> opened = openShares(delivery);
        final long[] masked;
        try {
            masked = mask(update, opened.keySet());
        } catch (final RuntimeException e) {
            opened.values().forEach(SecAggClient::wipe);
            throw e;
        }
        wipe(incomingShareKeys);
        opened.forEach((v, pair) -> {
            maskingKeySharesHeld.put(v, pair[0]);
            selfMaskSharesHeld.put(v, pair[1]);
        });
        final int[] members = new int[opened.size() + 1];
        int i = 0;
        for (final int v : opened.keySet()) {
            members[i++] = v;
        }
        members[i] = id;
        sharers = Ids.sortedDistinct(members, "U2");
        stage = Stage.UNMASKING;
        return new MaskedInput(setup.roundId(), id, masked);
    }

    /** {@code y_u = x_u + PRG(b_u) + sum_{v in others} Delta_{u,v} PRG(s_{u,v})}. */
    private long[] mask(final RingTensor update, final Set<Integer> others) {
        try (RingTensor y = RingTensor.zeros(setup.vectorLength());
             RingTensor scratch = RingTensor.zeros(setup.vectorLength())) {
            backend.copy(update, y);
            Masks.add(backend, y, selfMaskSeed, 1, scratch);
            for (final int v : others) {
                final byte[] agreed = maskingKeys.agree(directory.get(v).maskingKey(), v);
                final Seed pairwise = KeyAgreement.pairwiseMaskSeed(agreed, setup.roundId(), id, v);
                Arrays.fill(agreed, (byte) 0);
                Masks.add(backend, y, pairwise, Masks.delta(id, v), scratch);
            }
            return y.toArray();
        }
    }

    /** {@code v -> (s_{v,u}^SK, b_{v,u})} for every sender v; refuses the whole delivery on any bad share. */
    private SortedMap<Integer, byte[][]> openShares(final ShareDelivery delivery) {
        final SortedMap<Integer, byte[][]> opened = new TreeMap<>();
        try {
            for (final EncryptedShare share : delivery.shares()) {
                final int v = share.sender();
                if (v == id || !directory.containsKey(v)) {
                    throw new SecAggException(Reason.UNKNOWN_PARTY, "share from a client outside U1 \\ {u}, sender="
                        + v + ", client=" + id + ", round=" + RoundIds.format(setup.roundId()));
                }
                if (opened.containsKey(v)) {
                    throw new SecAggException(Reason.REPLAYED, "second share from one sender, sender=" + v
                        + ", client=" + id + ", round=" + RoundIds.format(setup.roundId()));
                }
                final byte[] plaintext = ShareCipher.decrypt(incomingShareKeys.get(v), setup.roundId(), share);
                opened.put(v, new byte[][] {
                    Arrays.copyOfRange(plaintext, 0, WireFormat.KEY_BYTES),
                    Arrays.copyOfRange(plaintext, WireFormat.KEY_BYTES, plaintext.length)});
                Arrays.fill(plaintext, (byte) 0);
            }
            if (opened.size() + 1 < setup.threshold()) {
                throw SecAggException.tooFewClients(Stage.SHARE_KEYS.name(), opened.size() + 1, setup.threshold(),
                    setup.roundId());
            }
            return opened;
        } catch (final RuntimeException e) {
            opened.values().forEach(SecAggClient::wipe);
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------ round 4

    /**
     * Round 4 (Unmasking). Receives {@code U3} and checks that it is a subset of {@code U2} holding u, with
     * {@code |U3| >= t}. Reveals {@code b_{v,u}} for every {@code v in U3} (its own included) and {@code s_{v,u}^SK}
     * for every {@code v in U2 \ U3}: never both kinds for one client, and only once, so that no request can make u
     * reveal both the self-mask and the pairwise masks of anyone.
     */
    public UnmaskShares unmask(final UnmaskRequest request) {
        expect(Stage.UNMASKING, request);
        final int[] survivors = request.ids();
        if (!Ids.containsAll(sharers, survivors)) {
            throw new SecAggException(Reason.INCONSISTENT, "U3 must be a subset of U2, U3=" + Ids.format(survivors)
                + ", U2=" + Ids.format(sharers) + ", client=" + id);
        }
        if (!Ids.contains(survivors, id)) {
            throw new SecAggException(Reason.UNKNOWN_PARTY, "this client is not in U3 (its masked input was not "
                + "counted), client=" + id + ", round=" + RoundIds.format(setup.roundId()));
        }
        if (survivors.length < setup.threshold()) {
            throw SecAggException.tooFewClients(Stage.MASKED_INPUT_COLLECTION.name(), survivors.length,
                setup.threshold(), setup.roundId());
        }
        final Map<Integer, byte[]> seedShares = new TreeMap<>();
        final Map<Integer, byte[]> keyShares = new TreeMap<>();
        for (final int v : sharers) {
            if (Ids.contains(survivors, v)) {
                seedShares.put(v, v == id ? ownSelfMaskShare : selfMaskSharesHeld.get(v));
            } else {
                keyShares.put(v, maskingKeySharesHeld.get(v));
            }
        }
        final UnmaskShares reply = new UnmaskShares(setup.roundId(), id, seedShares, keyShares);
        wipe();
        stage = Stage.FINISHED;
        return reply;
    }

    // ------------------------------------------------------------------------------------------ helpers

    private void expect(final Stage expected, final SecAggMessage message) {
        if (message.roundId() != setup.roundId()) {
            throw new SecAggException(Reason.WRONG_ROUND, "message of another round, type=" + message.type()
                + ", message round=" + RoundIds.format(message.roundId()) + ", round="
                + RoundIds.format(setup.roundId()) + ", client=" + id);
        }
        if (stage.ordinal() > expected.ordinal()) {
            throw new SecAggException(Reason.REPLAYED, "message already handled, type=" + message.type()
                + ", client=" + id + ", stage=" + stage);
        }
        if (stage != expected) {
            throw new SecAggException(Reason.WRONG_STAGE, "message before its stage, type=" + message.type()
                + ", client=" + id + ", stage=" + stage + ", expected stage=" + expected);
        }
    }

    private void wipe() {
        wipe(incomingShareKeys);
        wipe(maskingKeySharesHeld);
        wipe(selfMaskSharesHeld);
        if (ownSelfMaskShare != null) {
            Arrays.fill(ownSelfMaskShare, (byte) 0);
        }
        selfMaskSeed = null;
    }

    /** Overwrites and forgets secrets held by party id. */
    private static void wipe(final Map<Integer, byte[]> secrets) {
        secrets.values().forEach(s -> Arrays.fill(s, (byte) 0));
        secrets.clear();
    }

    private static void wipe(final byte[][] secrets) {
        for (final byte[] s : secrets) {
            Arrays.fill(s, (byte) 0);
        }
    }

    /** Never shows a key, a seed or a share. */
    @Override
    public String toString() {
        return "SecAggClient[id=" + id + ", round=" + RoundIds.format(setup.roundId()) + ", stage=" + stage + "]";
    }
}
