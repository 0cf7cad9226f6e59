package dev.obscura.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The messages of the encrypted inference service ({@code obscura-inference/1}), carried as RPC payloads over mutual
 * TLS: a client sends each compute party one {@link Request} (its share of a batch of images) and receives one
 * {@link Response} (that party's share of the logits). Both are little-endian; a payload is decoded only when its
 * length is exactly what its header implies, so a malformed or truncated message is refused before anything is
 * allocated for its body. Shares are never part of a message's {@code toString} or of an exception message.
 */
public final class InferenceWire {
    /** The protocol name the service announces and the client checks. */
    public static final String SERVICE = "obscura-inference/1";
    /** First word of a request, {@code "OBSQ"}. */
    static final int REQUEST_MAGIC = 0x5153424F;
    /** First word of a response, {@code "OBSR"}. */
    static final int RESPONSE_MAGIC = 0x5253424F;
    /** Request header: magic, request id, fractional bits, count, channels, height, width. */
    public static final int REQUEST_HEADER_BYTES = 4 + 8 + 4 + 4 + 4 + 4 + 4;
    /** Response header: magic, request id, count, classes. */
    public static final int RESPONSE_HEADER_BYTES = 4 + 8 + 4 + 4;

    private InferenceWire() {
    }

    /**
     * One party's share of a batch of images.
     *
     * @param id       the request id, the same at every party (random, chosen by the client)
     * @param fracBits fixed-point fractional bits of the shares
     * @param count    number of images
     * @param shape    one image's shape {@code [C, H, W]}
     * @param shares   {@code count * C * H * W} ring elements, this party's additive shares
     */
    public record Request(long id, int fracBits, int count, int[] shape, long[] shares) {
        /** The number of ring elements of one image. */
        public int imageElements() {
            return shape[0] * shape[1] * shape[2];
        }

        @Override
        public String toString() {
            return "Request[id=" + Long.toHexString(id) + ", count=" + count + ", shape=" + shape[0] + "x" + shape[1]
                + "x" + shape[2] + "]";
        }
    }

    /**
     * One party's share of the logits of a request.
     *
     * @param id      the request's id
     * @param count   number of images
     * @param classes logits per image
     * @param shares  {@code count * classes} ring elements, row-major, this party's additive shares
     */
    public record Response(long id, int count, int classes, long[] shares) {
        @Override
        public String toString() {
            return "Response[id=" + Long.toHexString(id) + ", count=" + count + ", classes=" + classes + "]";
        }
    }

    /** The bytes of {@code r}. */
    public static byte[] encode(final Request r) {
        final ByteBuffer b = ByteBuffer.allocate(REQUEST_HEADER_BYTES + 8 * r.shares().length)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(REQUEST_MAGIC).putLong(r.id()).putInt(r.fracBits()).putInt(r.count()).putInt(r.shape()[0])
            .putInt(r.shape()[1]).putInt(r.shape()[2]);
        b.asLongBuffer().put(r.shares());
        return b.array();
    }

    /**
     * Reads a request, refusing one of more than {@code maxImages} images or any image of more than
     * {@code maxImageElements} elements before reading its body.
     *
     * @throws IllegalArgumentException naming what is wrong (never a value of the body)
     */
    public static Request decodeRequest(final byte[] payload, final int maxImages, final long maxImageElements) {
        if (payload.length < REQUEST_HEADER_BYTES) {
            throw new IllegalArgumentException("malformed request: " + payload.length + " bytes, shorter than the"
                + " header of " + REQUEST_HEADER_BYTES);
        }
        final ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != REQUEST_MAGIC) {
            throw new IllegalArgumentException("malformed request: not an " + SERVICE + " request (bad magic)");
        }
        final long id = b.getLong();
        final int fracBits = b.getInt();
        final int count = b.getInt();
        final int[] shape = {b.getInt(), b.getInt(), b.getInt()};
        if (count < 1 || count > maxImages) {
            throw new IllegalArgumentException("request of " + count + " images refused: between 1 and " + maxImages
                + " images per request");
        }
        if (shape[0] < 1 || shape[1] < 1 || shape[2] < 1
            || (long) shape[0] * shape[1] * shape[2] > maxImageElements) {
            throw new IllegalArgumentException("image shape " + shape[0] + "x" + shape[1] + "x" + shape[2]
                + " refused: at most " + maxImageElements + " elements per image");
        }
        final long elements = (long) count * shape[0] * shape[1] * shape[2];
        if (payload.length != REQUEST_HEADER_BYTES + 8 * elements) {
            throw new IllegalArgumentException("malformed request: " + payload.length + " bytes, expected "
                + (REQUEST_HEADER_BYTES + 8 * elements) + " for " + count + " images of " + shape[0] + "x" + shape[1]
                + "x" + shape[2]);
        }
        final long[] shares = new long[(int) elements];
        b.asLongBuffer().get(shares);
        return new Request(id, fracBits, count, shape, shares);
    }

    /** The bytes of {@code r}. */
    public static byte[] encode(final Response r) {
        final ByteBuffer b = ByteBuffer.allocate(RESPONSE_HEADER_BYTES + 8 * r.shares().length)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(RESPONSE_MAGIC).putLong(r.id()).putInt(r.count()).putInt(r.classes());
        b.asLongBuffer().put(r.shares());
        return b.array();
    }

    /**
     * Reads a response to the request {@code id} of {@code count} images.
     *
     * @throws IllegalArgumentException when it is malformed or answers another request
     */
    public static Response decodeResponse(final byte[] payload, final long id, final int count) {
        if (payload.length < RESPONSE_HEADER_BYTES) {
            throw new IllegalArgumentException("malformed response: " + payload.length + " bytes");
        }
        final ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != RESPONSE_MAGIC) {
            throw new IllegalArgumentException("malformed response: bad magic");
        }
        final long got = b.getLong();
        final int n = b.getInt();
        final int classes = b.getInt();
        if (got != id || n != count || classes < 1 || classes > 1 << 16
            || payload.length != RESPONSE_HEADER_BYTES + 8L * n * classes) {
            throw new IllegalArgumentException("response does not answer the request: count=" + n + " (expected "
                + count + "), classes=" + classes + ", bytes=" + payload.length + ", same id=" + (got == id));
        }
        final long[] shares = new long[n * classes];
        b.asLongBuffer().get(shares);
        return new Response(got, n, classes, shares);
    }
}
