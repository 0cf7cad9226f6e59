package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server of one round of Bonawitz et al. (CCS 2017), semi-honest version (Figure 4 without the parts for active
 * adversaries). It relays, collects and finally unmasks; it never learns an update, only their sum.
 *
 * <p>The caller drives it: every message that arrives goes to {@link #receive} with the peer the transport
 * authenticated; when a stage's messages are all in ({@link #awaiting()} is empty) or its time is up, the matching
 * {@code finish...} method closes the stage, fixes its set of clients and returns what to send:
 *
 * <pre>{@code
 * SecAggServer server = new SecAggServer(setup, backend);   // send setup to every invited client
 * receive AdvertiseKeys ...;  KeyDirectory d = server.finishAdvertiseKeys();                 // U1, to all of U1
 * receive ShareKeys ...;      Map<Integer, ShareDelivery> s = server.finishShareKeys();      // U2, one to each
 * receive MaskedInput ...;    UnmaskRequest r = server.finishMaskedInputCollection();        // U3, to all of U3
 * receive UnmaskShares ...;   AggregationResult z = server.finishUnmasking();                // U5, the sum
 * }</pre>
 *
 * <p>Every stage needs at least {@code t} clients; a {@code finish} call with fewer fails with
 * {@link Reason#TOO_FEW_CLIENTS} naming the count and {@code t}, and changes nothing (more messages may still be
 * received, or the round abandoned). A refused message ({@link SecAggException}) changes nothing either. Methods are
 * synchronized: transport threads may call {@link #receive} concurrently.
 */
public final class SecAggServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SecAggServer.class.getName());

    private final RoundSetup setup;
    private final Backend backend;
    private Stage stage = Stage.ADVERTISE_KEYS;
    private final SortedMap<Integer, AdvertiseKeys> advertised = new TreeMap<>();
    private final SortedMap<Integer, ShareKeys> shareKeys = new TreeMap<>();
    private final SortedMap<Integer, UnmaskShares> unmasking = new TreeMap<>();
    /** {@code sum_{u in U3} y_u}, accumulated as the masked inputs arrive. */
    private final RingTensor maskedSum;
    private final RingTensor scratch;
    private final SortedSet<Integer> inputs = new TreeSet<>();
    private int[] u1 = new int[0];
    private int[] u2 = new int[0];
    private int[] u3 = new int[0];
    private boolean sumHandedOut;

    /**
     * The server of round {@code setup}; send {@code setup} to every invited client first.
     *
     * @param backend expands the masks it removes ({@code dev.obscura.random.Prg})
     */
    public SecAggServer(final RoundSetup setup, final Backend backend) {
        this.setup = setup;
        this.backend = backend;
        this.maskedSum = RingTensor.zeros(setup.vectorLength());
        this.scratch = RingTensor.zeros(setup.vectorLength());
    }

    /** The round. */
    public RoundSetup setup() {
        return setup;
    }

    /** The stage whose messages this server takes now. */
    public synchronized Stage stage() {
        return stage;
    }

    /** The clients this stage still waits for: expected here, not yet heard from. */
    public synchronized int[] awaiting() {
        final int[] expected = switch (stage) {
            case ADVERTISE_KEYS -> setup.clients();
            case SHARE_KEYS -> u1;
            case MASKED_INPUT_COLLECTION -> u2;
            case UNMASKING -> u3;
            case FINISHED -> new int[0];
        };
        return Arrays.stream(expected).filter(c -> !heard(c)).toArray();
    }

    private boolean heard(final int client) {
        return switch (stage) {
            case ADVERTISE_KEYS -> advertised.containsKey(client);
            case SHARE_KEYS -> shareKeys.containsKey(client);
            case MASKED_INPUT_COLLECTION -> inputs.contains(client);
            case UNMASKING -> unmasking.containsKey(client);
            case FINISHED -> true;
        };
    }

    /**
     * Takes one client message: {@link AdvertiseKeys}, {@link ShareKeys}, {@link MaskedInput} or {@link UnmaskShares}.
     *
     * @param authenticatedPeer the client the transport authenticated as the sender (mutual TLS, or the in-process
     *     queue it came from)
     * @throws SecAggException when refused: another round, a sender other than the authenticated peer, a message for
     *     another stage, a sender this stage does not expect, a second message from one sender, or content that
     *     contradicts the round
     */
    public synchronized void receive(final int authenticatedPeer, final SecAggMessage message) {
        Checks.roundAndSender(setup.roundId(), authenticatedPeer, message);
        final int sender = authenticatedPeer;
        if (message instanceof AdvertiseKeys m) {
            check(Stage.ADVERTISE_KEYS, m, setup.clients(), advertised.containsKey(sender));
            advertised.put(sender, m);
        } else if (message instanceof ShareKeys m) {
            check(Stage.SHARE_KEYS, m, u1, shareKeys.containsKey(sender));
            checkRecipients(m);
            shareKeys.put(sender, m);
        } else if (message instanceof MaskedInput m) {
            check(Stage.MASKED_INPUT_COLLECTION, m, u2, inputs.contains(sender));
            if (m.length() != setup.vectorLength()) {
                throw new SecAggException(Reason.INCONSISTENT, "masked input of the wrong length, sender=" + sender
                    + ", length=" + m.length() + ", vectorLength=" + setup.vectorLength() + ", round=" + round());
            }
            // sum_{u in U3} y_u, one input at a time (the server holds one vector, not n).
            scratch.copyFrom(m.valuesView());
            backend.add(maskedSum, scratch, maskedSum);
            inputs.add(sender);
        } else if (message instanceof UnmaskShares m) {
            check(Stage.UNMASKING, m, u3, unmasking.containsKey(sender));
            checkRevealed(m);
            unmasking.put(sender, m);
        } else {
            throw new SecAggException(Reason.WRONG_STAGE, "not a message a secure-aggregation server takes, type="
                + message.type() + ", round=" + round());
        }
    }

    private void check(final Stage of, final SecAggMessage m, final int[] expected, final boolean seen) {
        Checks.stage(stage, of, m, setup.roundId());
        Checks.expectedOnce(expected, seen, m, setup.roundId());
    }

    /** Round 1: exactly one share for every other client of U1. */
    private void checkRecipients(final ShareKeys m) {
        final int[] recipients = new int[m.shares().size()];
        for (int i = 0; i < recipients.length; i++) {
            recipients[i] = m.shares().get(i).recipient();
        }
        Arrays.sort(recipients);
        final int[] expected = Arrays.stream(u1).filter(v -> v != m.sender()).toArray();
        if (!Arrays.equals(recipients, expected)) {
            throw new SecAggException(Reason.INCONSISTENT, "shares must address every other client of U1 once, "
                + "sender=" + m.sender() + ", recipients=" + Ids.format(recipients) + ", expected="
                + Ids.format(expected) + ", round=" + round());
        }
    }

    /** Round 4: self-mask shares of exactly U3 and masking-key shares of exactly U2 \ U3. */
    private void checkRevealed(final UnmaskShares m) {
        final int[] dropped = dropped();
        if (!Arrays.equals(m.selfMaskOwners(), u3) || !Arrays.equals(m.maskingKeyOwners(), dropped)) {
            throw new SecAggException(Reason.INCONSISTENT, "unmasking shares must cover U3 (self masks) and U2 \\ U3"
                + " (masking keys), sender=" + m.sender() + ", self-mask owners=" + Ids.format(m.selfMaskOwners())
                + ", masking-key owners=" + Ids.format(m.maskingKeyOwners()) + ", U3=" + Ids.format(u3)
                + ", U2 \\ U3=" + Ids.format(dropped) + ", round=" + round());
        }
    }

    // ------------------------------------------------------------------------------------------ round 0

    /** Ends round 0: {@code U1} is the clients whose keys arrived ({@code |U1| >= t}); send the directory to U1. */
    public synchronized KeyDirectory finishAdvertiseKeys() {
        requireStage(Stage.ADVERTISE_KEYS);
        requireThreshold(advertised.size());
        u1 = Ids.sorted(advertised.keySet());
        advance(Stage.SHARE_KEYS, u1);
        return new KeyDirectory(setup.roundId(), List.copyOf(advertised.values()));
    }

    // ------------------------------------------------------------------------------------------ round 1

    /**
     * Ends round 1: {@code U2} is the clients whose shares arrived, {@code |U2| >= t}. Returns, for each v of U2, the
     * delivery of {@code e_{u,v}} from every other u of U2.
     */
    public synchronized Map<Integer, ShareDelivery> finishShareKeys() {
        requireStage(Stage.SHARE_KEYS);
        requireThreshold(shareKeys.size());
        final int[] sharers = Ids.sorted(shareKeys.keySet());
        final Map<Integer, List<EncryptedShare>> toRecipient = new TreeMap<>();
        for (final int v : sharers) {
            toRecipient.put(v, new ArrayList<>());
        }
        for (final ShareKeys m : shareKeys.values()) {
            for (final EncryptedShare e : m.shares()) {
                final List<EncryptedShare> list = toRecipient.get(e.recipient());
                if (list != null) {
                    list.add(e);
                }
            }
        }
        final Map<Integer, ShareDelivery> deliveries = new TreeMap<>();
        toRecipient.forEach((v, shares) -> deliveries.put(v, new ShareDelivery(setup.roundId(), v, shares)));
        u2 = sharers;
        advance(Stage.MASKED_INPUT_COLLECTION, u2);
        return deliveries;
    }

    // ------------------------------------------------------------------------------------------ round 2

    /** Ends round 2: {@code U3} is the clients whose masked inputs arrived, {@code |U3| >= t}; send it to all of U3. */
    public synchronized UnmaskRequest finishMaskedInputCollection() {
        requireStage(Stage.MASKED_INPUT_COLLECTION);
        requireThreshold(inputs.size());
        u3 = Ids.sorted(inputs);
        advance(Stage.UNMASKING, u3);
        return new UnmaskRequest(setup.roundId(), u3);
    }

    // ------------------------------------------------------------------------------------------ round 4

    /**
     * Ends round 4 and outputs the sum. {@code U5}, the clients whose shares arrived, must hold at least t: then any t
     * of them reconstruct, by Lagrange interpolation at the same t points for every secret,
     * {@code b_u = SS.recon({b_{u,v}}_{v in U5})} for every survivor {@code u in U3} and
     * {@code s_u^SK = SS.recon({s_{u,v}^SK}_{v in U5})} for every {@code u in U2 \ U3}, and
     * <pre>
     *   z = sum_{u in U3} y_u - sum_{u in U3} PRG(b_u) - sum_{u in U3, v in U2 \ U3} Delta_{u,v} PRG(s_{u,v})
     *     = sum_{u in U3} x_u   (mod 2^64),
     * </pre>
     * since the pairwise masks between two survivors cancel ({@code p_{u,v} + p_{v,u} = 0}) and
     * {@code s_{u,v} = KA.agree(s_v^SK, s_u^PK)} once {@code s_v^SK} is known. Every reconstructed masking key is
     * checked against the public key v advertised before any mask is removed.
     *
     * @throws SecAggException ({@link Reason#TOO_FEW_CLIENTS}) when fewer than t clients answered round 4, naming the
     *     count and t; nothing changes, and late answers may still be received
     */
    public synchronized AggregationResult finishUnmasking() {
        requireStage(Stage.UNMASKING);
        requireThreshold(unmasking.size());
        final int[] responders = Arrays.copyOf(Ids.sorted(unmasking.keySet()), setup.threshold());
        final int[] points = new int[responders.length];
        for (int i = 0; i < responders.length; i++) {
            points[i] = setup.evaluationPoint(responders[i]);
        }
        final int[] lambda = ShamirGf256.lagrangeAtZero(points);
        final int[] dropped = dropped();
        // Reconstruct and check every secret first, so that a failed check leaves the sum untouched.
        final Map<Integer, Seed> selfMaskSeeds = new TreeMap<>();
        for (final int u : u3) {
            final byte[] seed = reconstruct(lambda, responders, u, true);
            selfMaskSeeds.put(u, Seed.fromBytes(seed));
            Arrays.fill(seed, (byte) 0);
        }
        final Map<Integer, KeyAgreement.KeyPair> droppedKeys = new TreeMap<>();
        for (final int v : dropped) {
            final byte[] secretKey = reconstruct(lambda, responders, v, false);
            final KeyAgreement.KeyPair keys = KeyAgreement.KeyPair.fromSecretKey(secretKey);
            Arrays.fill(secretKey, (byte) 0);
            if (!keys.hasPublicKey(advertised.get(v).maskingKey())) {
                throw new SecAggException(Reason.TAMPERED, "reconstructed masking key does not match the public key "
                    + "the client advertised, client=" + v + ", round=" + round());
            }
            droppedKeys.put(v, keys);
        }
        // z = sum y_u - sum PRG(b_u) ...
        selfMaskSeeds.forEach((u, seed) -> Masks.add(backend, maskedSum, seed, -1, scratch));
        // ... - sum_{u in U3, v in U2 \ U3} Delta_{u,v} PRG(s_{u,v}).
        droppedKeys.forEach((v, keys) -> {
            for (final int u : u3) {
                final byte[] agreed = keys.agree(advertised.get(u).maskingKey(), u);
                final Seed pairwise = KeyAgreement.pairwiseMaskSeed(agreed, setup.roundId(), u, v);
                Arrays.fill(agreed, (byte) 0);
                Masks.add(backend, maskedSum, pairwise, -Masks.delta(u, v), scratch);
            }
        });
        unmasking.values().forEach(UnmaskShares::wipe);
        advance(Stage.FINISHED, Ids.sorted(unmasking.keySet()));
        LOG.log(Level.DEBUG, () -> "secagg round=" + round() + " sum out: contributors=" + u3.length + ", dropped="
            + dropped.length + ", threshold=" + setup.threshold());
        sumHandedOut = true;
        scratch.close();
        return new AggregationResult(maskedSum, u3);
    }

    /** {@code SS.recon} of one client's self-mask seed ({@code seed}) or masking secret key, from the responders. */
    private byte[] reconstruct(final int[] lambda, final int[] responders, final int owner, final boolean seed) {
        final byte[][] shares = new byte[responders.length][];
        for (int i = 0; i < responders.length; i++) {
            final UnmaskShares m = unmasking.get(responders[i]);
            shares[i] = (seed ? m.selfMaskSeedShares() : m.maskingKeyShares()).get(owner);
        }
        return ShamirGf256.combine(lambda, shares);
    }

    /** {@code U2 \ U3}: clients that shared their keys and then dropped before their masked input arrived. */
    private int[] dropped() {
        return Arrays.stream(u2).filter(v -> !Ids.contains(u3, v)).toArray();
    }

    private void requireStage(final Stage expected) {
        if (stage != expected) {
            throw new IllegalStateException("stage cannot be finished now, stage=" + stage + ", requested="
                + expected + ", round=" + round());
        }
    }

    private void requireThreshold(final int remaining) {
        if (remaining < setup.threshold()) {
            throw SecAggException.tooFewClients(stage.name(), remaining, setup.threshold(), setup.roundId());
        }
    }

    private void advance(final Stage next, final int[] clients) {
        final Stage finished = stage;
        stage = next;
        LOG.log(Level.DEBUG, () -> "secagg round=" + round() + " finished " + finished + ": clients=" + clients.length
            + ", threshold=" + setup.threshold());
    }

    private String round() {
        return RoundIds.format(setup.roundId());
    }

    /** Releases the vectors, unless {@link #finishUnmasking()} handed the sum out. Idempotent. */
    @Override
    public synchronized void close() {
        scratch.close();
        if (!sumHandedOut) {
            maskedSum.close();
        }
    }

    /** Counts only. */
    @Override
    public synchronized String toString() {
        return "SecAggServer[round=" + round() + ", stage=" + stage + ", clients=" + setup.clientCount()
            + ", threshold=" + setup.threshold() + "]";
    }
}
