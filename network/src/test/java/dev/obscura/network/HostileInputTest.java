package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.mpc.TransportException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Garbage on the wire: every kind of broken or forged frame gets a clear protocol error and a closed connection,
 * an oversized length allocates nothing, and the endpoint stays healthy; 100,000 such frames through the decoder
 * cause no crash, no hang and no growth of memory.
 */
final class HostileInputTest {
    private static final long MAX_FRAME = 1 << 20;
    private static final int FRAMES = 100_000;

    @TempDir
    Path dir;

    /** What one decoder reported. */
    static final class Outcome implements FrameDecoder.Sink {
        String protocolError;
        String partial;
        int dataFrames;
        boolean disconnected;

        @Override
        public void bytesRead() {
        }

        @Override
        public void hello(final byte[] payload) {
        }

        @Override
        public void data(final List<ByteBuf> slices, final int length) {
            dataFrames++;
            new InboundFrame(slices, length, 0).release();
        }

        @Override
        public void closed() {
        }

        @Override
        public void aborted(final String reason) {
        }

        @Override
        public void protocolError(final String why) {
            protocolError = why;
        }

        @Override
        public void disconnected(final String cutShort) {
            disconnected = true;
            partial = cutShort;
        }

        @Override
        public void ioError(final Throwable cause) {
            throw new AssertionError("no I/O error expected", cause);
        }
    }

    @Test
    void shouldRefuseAHundredThousandHostileFramesWithoutCrashHangOrGrowth() {
        final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        final Random random = new Random(11);
        final HostileFrames[] kinds = HostileFrames.values();
        final Map<HostileFrames, Integer> refused = new EnumMap<>(HostileFrames.class);
        long heapAtStart = 0;
        for (int i = 0; i < FRAMES; i++) {
            if (i == FRAMES / 10) {
                heapAtStart = usedHeapAfterGc();
            }
            final HostileFrames kind = kinds[i % kinds.length];
            final Outcome outcome = new Outcome();
            final FrameDecoder decoder = new FrameDecoder(outcome, MAX_FRAME);
            final EmbeddedChannel ch = new EmbeddedChannel(decoder);
            final long session = random.nextLong() | 1;
            decoder.expectSender(1);
            ch.writeInbound(HostileFrames.header(alloc.buffer(32), 32, 1, FrameDescriptor.TYPE_HELLO, 1, 0, 0)
                .writeLongLE(0));
            decoder.established(1, session);
            ch.writeInbound(kind.bytes(alloc, random, 1, session, 1, MAX_FRAME));
            ch.close();
            ch.checkException();
            assertFalse(ch.isOpen());
            if (outcome.protocolError != null) {
                if (kind.error != null && !kind.error.startsWith("disconnected")) {
                    assertTrue(outcome.protocolError.startsWith(kind.error), kind + ": " + outcome.protocolError);
                }
            } else {
                assertNotNull(outcome.partial, kind + " was neither refused nor cut short");
                assertTrue(kind == HostileFrames.TRUNCATED || kind == HostileFrames.RANDOM_BYTES, kind.name());
            }
            assertTrue(outcome.dataFrames <= (kind == HostileFrames.REPLAYED ? 1 : 0), kind + " delivered data");
            refused.merge(kind, 1, Integer::sum);
        }
        final long heapAtEnd = usedHeapAfterGc();
        assertEquals(0, alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory(), "buffers leaked");
        assertTrue(heapAtEnd - heapAtStart < 32L << 20, "heap grew from " + heapAtStart + " to " + heapAtEnd);
        assertEquals(FRAMES, refused.values().stream().mapToInt(Integer::intValue).sum());
        System.out.println("hostile frames refused by kind: " + refused);
    }

    @ParameterizedTest
    @EnumSource(HostileFrames.class)
    void shouldCloseTheConnectionOfAPeerThatSendsGarbageAndStayHealthy(final HostileFrames kind) throws Exception {
        final UnpooledByteBufAllocator counted = new UnpooledByteBufAllocator(true);
        final Loopback net = Loopback.create(dir, 2, List.of("dealer"), "max-frame-bytes = 1MiB\n"
            + "heartbeat-interval = 5s\nheartbeat-timeout = 15s\n");
        final List<TcpTransport> t = net.openAll(c -> c.allocator(counted));
        try {
            // Party 1 forges frames to party 0, over its authenticated TLS connection.
            final Channel toZero = t.get(1).channelTo(0);
            final FrameEncoder enc = t.get(1).encoderTo(0);
            final ByteBuf forged = kind.bytes(counted, new Random(5), 1, enc.sessionId(), enc.nextSequence(),
                MAX_FRAME);
            toZero.writeAndFlush(forged).sync();
            if (kind == HostileFrames.TRUNCATED || kind == HostileFrames.RANDOM_BYTES) {
                toZero.close().sync(); // what follows a cut-short frame: the connection ends
            }
            final TransportException e = assertThrows(TransportException.class, () -> {
                // Only a replay's original is a valid frame; it is delivered if taken before the replay arrives,
                // else dropped with the connection (a peer that broke the protocol is failed at once).
                final byte[] first = t.get(0).receiveBytes(1);
                assertEquals(HostileFrames.REPLAYED, kind, "a hostile frame was delivered");
                assertEquals(8, first.length);
                t.get(0).receiveBytes(1);
            });
            assertEquals(TransportException.Reason.PROTOCOL, e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("protocol error from endpoint 1 (party-1): ")
                || e.getMessage().startsWith("endpoint 1 (party-1) disconnected in the middle of a frame"),
                e.getMessage());
            if (kind.error != null) {
                assertTrue(e.getMessage().contains(kind.error), e.getMessage());
            }
            // The connection is closed at both ends; party 1 learns it too.
            toZero.closeFuture().await(10_000);
            assertFalse(toZero.isOpen());
            assertThrows(TransportException.class, () -> t.get(1).receiveBytes(0));
            // Party 0 is healthy: its link to the dealer still works both ways, and nothing large was allocated.
            t.get(0).sendBytes(2, new byte[] {7});
            assertEquals(7, t.get(2).receiveBytes(0)[0]);
            t.get(2).sendBytes(0, new byte[] {8});
            assertEquals(8, t.get(0).receiveBytes(2)[0]);
            assertTrue(counted.metric().usedDirectMemory() < 16L << 20, "allocated "
                + counted.metric().usedDirectMemory() + " bytes for a refused frame");
        } finally {
            t.forEach(TcpTransport::close);
        }
        assertEquals(0, counted.metric().usedDirectMemory() + counted.metric().usedHeapMemory(), "buffers leaked");
    }

    private static long usedHeapAfterGc() {
        final Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
