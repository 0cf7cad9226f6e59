package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * No secret (a key, a seed, a share, an update, a mask) appears in a log record, a {@code toString()} or an exception
 * message of either route. The secrets are recovered the way a curious reader of the protocol could (the revealed
 * shares, the seeds and keys they reconstruct, the updates themselves), and every text the roles produce while running
 * and refusing is searched for their renderings.
 */
class SecretHygieneTest {
    private final Set<String> secrets = new TreeSet<>();
    private final List<String> texts = new ArrayList<>();

    @Test
    void shouldKeepEverySecretOutOfLogsStringsAndErrors() {
        final Logger logger = Logger.getLogger("dev.obscura.federated");
        final List<LogRecord> records = new ArrayList<>();
        final Handler capture = new Handler() {
            @Override
            public void publish(final LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        final Level level = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.addHandler(capture);
        try {
            bonawitzRound();
            additiveRound();
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(level);
        }
        records.forEach(r -> texts.add(r.getMessage()));
        assertFalse(records.isEmpty(), "the server logs its stages, so the log check is not vacuous");
        assertTrue(secrets.size() > 100, "secrets collected: " + secrets.size());
        for (final String text : texts) {
            for (final String secret : secrets) {
                assertFalse(text.contains(secret), () -> "a secret rendering appears in: " + text);
            }
        }
    }

    private void bonawitzRound() {
        try (BonawitzDriver round = new BonawitzDriver(3, Updates.ring(5, 6, 99))) {
            final int[] ids = round.setup.clients();
            round.updates.values().forEach(this::addValues);
            round.sendAdvertiseKeys();
            round.finishAdvertiseKeys();
            round.sendShareKeys();
            round.finishShareKeys();
            // Refusals at a client: a tampered ciphertext, a delivery for another client, a repeated one.
            final ShareDelivery delivery = round.deliveries.get(ids[0]);
            final EncryptedShare e = delivery.shares().get(0);
            final byte[] c = e.ciphertext();
            c[3] ^= 1;
            refusal(() -> maskedInput(round, ids[0], new ShareDelivery(round.setup.roundId(), ids[0],
                List.of(new EncryptedShare(e.sender(), ids[0], e.nonce(), c)))));
            refusal(() -> maskedInput(round, ids[0], round.deliveries.get(ids[1])));
            round.drop(ids[4]);
            round.sendMaskedInputs();
            refusal(() -> round.server.receive(ids[0], round.maskedInputs.get(ids[0])));
            refusal(() -> round.server.receive(ids[1], round.maskedInputs.get(ids[0])));
            round.maskedInputs.forEach((u, y) -> addValues(minus(y.values(), round.updates.get(u))));
            round.finishMaskedInputCollection();
            round.drop(ids[3]);
            round.sendUnmaskShares();
            // The shares revealed, and the self-mask seeds and the dropped client's key they reconstruct.
            for (final UnmaskShares m : round.unmaskShares.values()) {
                m.selfMaskSeedShares().values().forEach(this::addBytes);
                m.maskingKeyShares().values().forEach(this::addBytes);
            }
            addReconstructed(round, true);
            addReconstructed(round, false);
            try (AggregationResult z = round.server.finishUnmasking()) {
                texts.add(z.toString());
            }
            refusal(round.server::finishUnmasking);
            refusal(() -> SecAggMessage.decode(Arrays.copyOf(round.maskedInputs.get(ids[0]).encode(), 40)));
            round.messages.forEach(m -> texts.add(m.toString()));
            round.clients.values().forEach(cl -> texts.add(cl.toString()));
            texts.add(round.server.toString());
        }
        try (BonawitzDriver few = new BonawitzDriver(4, Updates.ring(4, 2, 5))) {
            few.drop(few.setup.clients()[0]);
            few.sendAdvertiseKeys();
            refusal(few::finishAdvertiseKeys);
        }
    }

    private void additiveRound() {
        final AdditiveDriver round = new AdditiveDriver(3, 2, Updates.ring(4, 5, 7));
        round.updates.values().forEach(this::addValues);
        round.sendShares();
        round.shares.values().forEach(list -> list.forEach(s -> {
            if (s.explicit()) {
                addValues(s.valuesView());
            } else {
                addBytes(s.seed().toBytes());
            }
            texts.add(s.toString());
        }));
        final int u = round.setup.clients()[0];
        refusal(() -> round.aggregators.get(0).receive(u, round.shares.get(u).get(0)));
        refusal(() -> round.aggregators.get(1).receive(u, round.shares.get(u).get(0)));
        round.exchangeReports();
        try (AggregationResult z = round.combiner.finishSums()) {
            texts.add(z.toString());
        }
        round.messages.forEach(m -> texts.add(m.toString()));
        round.aggregators.forEach(a -> texts.add(a.toString()));
        texts.add(round.combiner.toString());
    }

    private void addReconstructed(final BonawitzDriver round, final boolean selfMasks) {
        final int t = round.setup.threshold();
        final int[] responders = Arrays.copyOf(round.unmaskShares.keySet().stream().mapToInt(i -> i).toArray(), t);
        final int[] lambda = ShamirGf256.lagrangeAtZero(
            Arrays.stream(responders).map(round.setup::evaluationPoint).toArray());
        final UnmaskShares first = round.unmaskShares.get(responders[0]);
        for (final int owner : selfMasks ? first.selfMaskOwners() : first.maskingKeyOwners()) {
            final byte[][] shares = Arrays.stream(responders).mapToObj(v -> {
                final UnmaskShares m = round.unmaskShares.get(v);
                return (selfMasks ? m.selfMaskSeedShares() : m.maskingKeyShares()).get(owner);
            }).toArray(byte[][]::new);
            addBytes(ShamirGf256.combine(lambda, shares));
        }
    }

    private static MaskedInput maskedInput(final BonawitzDriver round, final int id, final ShareDelivery delivery) {
        try (RingTensor x = RingTensor.of(round.updates.get(id), round.setup.vectorLength())) {
            return round.clients.get(id).maskedInput(delivery, x);
        }
    }

    private void refusal(final Runnable action) {
        try {
            action.run();
        } catch (final RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                texts.add(String.valueOf(t.getMessage()));
                texts.add(t.toString());
            }
            return;
        }
        throw new AssertionError("expected a refusal");
    }

    private void addBytes(final byte[] secret) {
        secrets.add(HexFormat.of().formatHex(secret));
        secrets.add(HexFormat.of().withUpperCase().formatHex(secret));
        secrets.add(Base64.getEncoder().encodeToString(secret));
        final String list = Arrays.toString(secret);
        secrets.add(list.substring(1, Math.min(list.length() - 1, 20)));
    }

    private void addValues(final long[] values) {
        for (final long v : values) {
            if (Math.abs(v) > 1L << 24) {   // small values (0, -1, ids) would match anything; random ones are large
                secrets.add(Long.toString(v));
                secrets.add(Long.toHexString(v));
                secrets.add(Long.toUnsignedString(v));
                secrets.add(Double.toString(Updates.FP.decode(v)));
            }
        }
    }

    private static long[] minus(final long[] a, final long[] b) {
        final long[] out = new long[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }
}
