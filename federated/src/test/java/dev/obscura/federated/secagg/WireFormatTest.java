package dev.obscura.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.federated.secagg.SecAggException.Reason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every message type survives its wire format, and every malformed frame is refused as such, never misread. */
class WireFormatTest {
    private static final List<SecAggMessage> SAMPLES = new ArrayList<>();

    @BeforeAll
    static void collectOneRoundOfEachRoute() {
        try (BonawitzDriver round = new BonawitzDriver(3, Updates.fixedPoint(4, 3, 1))) {
            round.sendAdvertiseKeys();
            round.finishAdvertiseKeys();
            round.sendShareKeys();
            round.finishShareKeys();
            round.drop(round.setup.clients()[0]);   // so that UnmaskShares carries masking-key shares too
            round.sendMaskedInputs();
            round.finishMaskedInputCollection();
            round.sendUnmaskShares();
            round.server.finishUnmasking().close();
            SAMPLES.add(round.setup);
            SAMPLES.addAll(round.messages);
        }
        final AdditiveDriver additive = new AdditiveDriver(3, 2, Updates.fixedPoint(4, 3, 1));
        additive.runAll().close();
        SAMPLES.add(additive.setup);
        SAMPLES.addAll(additive.messages);
        final Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
        SAMPLES.forEach(m -> seen.add(m.type()));
        assertEquals(EnumSet.allOf(MessageType.class), seen, "a sample of every type");
    }

    @Test
    void shouldRoundTripEveryMessage() {
        for (final SecAggMessage m : SAMPLES) {
            final byte[] bytes = m.encode();
            final SecAggMessage back = SecAggMessage.decode(bytes);
            assertEquals(m.getClass(), back.getClass());
            assertEquals(m.type(), back.type());
            assertEquals(m.roundId(), back.roundId());
            assertEquals(m.party(), back.party());
            assertArrayEquals(bytes, back.encode(), m.toString());
            final ByteBuffer header = ByteBuffer.wrap(bytes);
            assertEquals(WireFormat.VERSION, header.get(WireFormat.VERSION_OFFSET));
            assertEquals(m.type().code(), header.get(WireFormat.TYPE_OFFSET));
            assertEquals(m.party(), header.getInt(WireFormat.PARTY_OFFSET));
            assertEquals(m.roundId(), header.getLong(WireFormat.ROUND_OFFSET));
        }
    }

    @Test
    void shouldRefuseEveryTruncationAndAnyTrailingByte() {
        for (final SecAggMessage m : SAMPLES) {
            final byte[] bytes = m.encode();
            for (int length = 0; length < bytes.length; length++) {
                final int cut = length;
                malformed(Arrays.copyOf(bytes, cut), m + " cut to " + cut);
            }
            malformed(Arrays.copyOf(bytes, bytes.length + 1), m + " with a trailing byte");
        }
    }

    @Test
    void shouldRefuseABadHeader() {
        final byte[] bytes = SAMPLES.get(0).encode();
        for (final int[] change : new int[][] {
            {WireFormat.VERSION_OFFSET, 2}, {WireFormat.TYPE_OFFSET, 0}, {WireFormat.TYPE_OFFSET, 99},
            {WireFormat.RESERVED_OFFSET, 1}, {WireFormat.PARTY_OFFSET + 3, 5}}) {
            final byte[] bad = bytes.clone();
            bad[change[0]] = (byte) change[1];
            malformed(bad, "byte " + change[0] + " set to " + change[1]);
        }
        // A count larger than the frame can hold.
        final byte[] request = new UnmaskRequest(1, new int[] {1, 2}).encode();
        ByteBuffer.wrap(request).putInt(WireFormat.HEADER_BYTES, Integer.MAX_VALUE);
        malformed(request, "a huge count");
        // A repeated id inside a valid frame.
        final byte[] repeated = new UnmaskRequest(1, new int[] {1, 2}).encode();
        ByteBuffer.wrap(repeated).putInt(WireFormat.HEADER_BYTES + 8, 1);
        malformed(repeated, "a repeated id");
    }

    @Test
    void shouldNeverMisreadARandomlyDamagedFrame() {
        final SplittableRandom rnd = new SplittableRandom(11);
        for (final SecAggMessage m : SAMPLES) {
            final byte[] bytes = m.encode();
            for (int trial = 0; trial < 200; trial++) {
                final byte[] damaged = bytes.clone();
                damaged[rnd.nextInt(damaged.length)] ^= (byte) (1 + rnd.nextInt(255));
                try {
                    final SecAggMessage decoded = SecAggMessage.decode(damaged);
                    // Well-formed after all (a changed value): it must encode back to exactly these bytes.
                    assertArrayEquals(damaged, decoded.encode());
                } catch (final SecAggException e) {
                    assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
                } catch (final RuntimeException e) {
                    fail("a damaged " + m.type() + " frame threw " + e);
                }
            }
        }
    }

    private static void malformed(final byte[] frame, final String what) {
        final SecAggException e = assertThrows(SecAggException.class, () -> SecAggMessage.decode(frame), what);
        assertEquals(Reason.MALFORMED, e.reason(), what + ": " + e.getMessage());
    }
}
