package dev.obscura.federated.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests a caller never sends: each is refused with a clear message before anything it declares is allocated,
 * the worker keeps what it held and serves on; ten thousand random requests change nothing.
 */
final class WorkerHostileInputTest {
    private WorkerNode node;

    @BeforeEach
    void start() {
        node = new WorkerNode("bob", new WorkerNode.Context().timeout(Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private String refusal(final byte[] request) {
        try {
            node.submit("mallory", request).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the request was accepted");
    }

    private static byte[] request(final int op, final Consumer<WireWriter> body) {
        final WireWriter w = WorkerProtocol.request(op, new long[0]);
        body.accept(w);
        return w.toBytes();
    }

    private byte[] answer(final byte[] request) throws Exception {
        return node.submit("caller", request).get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldRefuseMalformedRequestsWithClearMessages() throws Exception {
        final long kept = new WireReader(answer(request(WorkerProtocol.PUT_TENSOR,
            w -> w.bool(false).shape(new int[] {2}).floats(new float[] {7, 8})))).i64("id");
        assertTrue(refusal(new byte[0]).contains("malformed message: op does not fit"));
        assertTrue(refusal(request(99, w -> { })).contains("unknown op, op=99"));
        // A shape that declares 2^31 elements in a request of a few bytes: refused, nothing allocated.
        assertTrue(refusal(request(WorkerProtocol.PUT_TENSOR, w -> w.bool(false).shape(new int[] {65536, 32768})))
            .contains("too many elements"));
        assertTrue(refusal(request(WorkerProtocol.PUT_TENSOR, w -> w.bool(false).shape(new int[] {1000})
            .floats(new float[3]))).contains("tensor values does not fit the message"));
        assertTrue(refusal(request(WorkerProtocol.PUT_TENSOR, w -> w.bool(false).shape(new int[] {-1})))
            .contains("negative dimension"));
        assertTrue(refusal(request(WorkerProtocol.PUT_TENSOR, w -> w.bool(false).u8(9))).contains("rank out of range"));
        assertTrue(refusal(request(WorkerProtocol.PUT_TENSOR, w -> w.u8(9))).contains("requiresGrad must be 0 or 1"));
        assertTrue(refusal(request(WorkerProtocol.PUT_TENSOR, w -> w.bool(false).shape(new int[] {1})
            .floats(new float[1]).u8(0))).contains("trailing bytes"));
        assertTrue(refusal(new WireWriter().u8(WorkerProtocol.FLUSH).i32(Integer.MAX_VALUE).toBytes())
            .contains("frees count out of range"));
        assertTrue(refusal(request(WorkerProtocol.COMPUTE, w -> w.u8(200).ids(new long[] {kept}).ints(new int[0])
            .f32(0))).contains("unknown function, code=200"));
        assertTrue(refusal(request(WorkerProtocol.COMPUTE, w -> w.u8(TensorFunction.MATMUL.code)
            .ids(new long[] {kept, kept}).ints(new int[0]).f32(0))).contains("matmul needs [m, k] and [k, n]"));
        assertTrue(refusal(request(WorkerProtocol.GET_TENSOR, w -> w.i64(12345).bool(true)))
            .contains("worker bob holds no object 12345"));
        assertTrue(refusal(request(WorkerProtocol.FIND_DATASET, w -> w.string("\u001b[31mred")))
            .contains("has no data set \"\\u001b[31mred\""));
        assertTrue(refusal(request(WorkerProtocol.PUT_MODEL, w -> w.u8(1).u8(77))).contains("unknown layer kind"));
        // What the worker held is intact.
        final WireReader r = new WireReader(answer(request(WorkerProtocol.GET_TENSOR, w -> w.i64(kept).bool(true))));
        assertArrayEquals(new int[] {2}, r.shape("t", 4));
        assertArrayEquals(new float[] {7, 8}, r.floats(2, "t"));
    }

    @Test
    void shouldSurviveTenThousandRandomRequests() throws Exception {
        final Random random = new Random(1);
        int refused = 0;
        for (int i = 0; i < 10_000; i++) {
            final byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            if (garbage.length > 0) {
                garbage[0] = (byte) (1 + random.nextInt(40)); // mostly known ops, to reach their bodies
            }
            try {
                node.submit("mallory", garbage).get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                refused++;
                assertTrue(e.getCause() instanceof IllegalArgumentException
                    || e.getCause() instanceof IllegalStateException, "clear refusal: " + e.getCause());
            } catch (CompletionException e) {
                throw new AssertionError(e);
            }
        }
        assertTrue(refused > 9_000, "refused=" + refused);
        final long id = new WireReader(answer(request(WorkerProtocol.PUT_TENSOR,
            w -> w.bool(false).shape(new int[] {1}).floats(new float[] {3})))).i64("id");
        assertTrue(id > 0, "the worker serves on");
        // Whatever random bytes happened to be valid, none held more than its own request's few bytes.
        assertTrue(node.memoryBytes() <= 10_000L * 64, "memory=" + node.memoryBytes());
    }
}
