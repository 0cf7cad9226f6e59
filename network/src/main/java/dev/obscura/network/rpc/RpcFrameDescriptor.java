package dev.obscura.network.rpc;

/**
 * The layout of one frame of the RPC protocol, inside the TLS stream between a client and a service. Every field is
 * little-endian, as in the transport's {@link dev.obscura.network.FrameDescriptor}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Frame Length                          |  0
 *  +---------------+---------------+-------------------------------+
 *  |    Version    |     Type      |           Reserved            |  4
 *  +---------------+---------------+-------------------------------+
 *  |                          Request Id                           |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            Payload                           ... 16
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Frame Length</b> (int32): header plus payload, in bytes: at least {@link #HEADER_LENGTH}, at most the
 *       header plus the limit of the frame's type. A receiver checks it before it takes in anything more, so an
 *       oversized length allocates nothing.</li>
 *   <li><b>Version</b> (uint8): {@link #VERSION}.</li>
 *   <li><b>Type</b> (uint8): {@link #TYPE_WELCOME}, {@link #TYPE_REQUEST}, {@link #TYPE_RESPONSE} or
 *       {@link #TYPE_ERROR}.</li>
 *   <li><b>Reserved</b> (uint16): 0.</li>
 *   <li><b>Request Id</b> (int64): chosen by the client, positive, unique among its requests in flight on the
 *       connection; a response or error carries the id of its request. 0 in a welcome, and in an error about the
 *       connection as a whole (a caller the service refuses).</li>
 * </ul>
 *
 * <p>A connection's life: after the TLS handshake the service checks the client's certificate name against the
 * callers it serves, then sends a welcome (payload: the service's protocol name, UTF-8, for example
 * {@code obscura-worker/1}) or an error with id 0 and closes. Requests and responses follow, in any order and
 * interleaved; a service answers each request exactly once.
 */
public final class RpcFrameDescriptor {
    /** The protocol version this build speaks. */
    public static final int VERSION = 1;

    /** Service to client, first frame: the caller is accepted; the payload names the service's protocol. */
    public static final int TYPE_WELCOME = 1;
    /** Client to service: one call; the payload is the application's request. */
    public static final int TYPE_REQUEST = 2;
    /** Service to client: the answer to the request with the same id. */
    public static final int TYPE_RESPONSE = 3;
    /** Service to client: the request with the same id failed (or, with id 0, the caller is refused); UTF-8 text. */
    public static final int TYPE_ERROR = 4;

    /** Offset of the frame length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the protocol version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the frame type. */
    public static final int TYPE_OFFSET = 5;
    /** Offset of the reserved field. */
    public static final int RESERVED_OFFSET = 6;
    /** Offset of the request id. */
    public static final int REQUEST_ID_OFFSET = 8;
    /** Length of the header, and offset of the payload. */
    public static final int HEADER_LENGTH = 16;

    /** The largest welcome payload. */
    public static final int MAX_WELCOME_BYTES = 256;
    /** The largest error payload. */
    public static final int MAX_ERROR_BYTES = 4096;
    /** The request id of frames about the connection, not one request. */
    public static final long CONNECTION_ID = 0;

    private RpcFrameDescriptor() {
    }

    /** Whether {@code type} is a frame type of this version. */
    public static boolean isKnownType(final int type) {
        return type >= TYPE_WELCOME && type <= TYPE_ERROR;
    }

    /** The largest payload of a frame of {@code type}, given the configured limit of requests and responses. */
    public static long maxPayload(final int type, final long maxMessageBytes) {
        return switch (type) {
            case TYPE_WELCOME -> MAX_WELCOME_BYTES;
            case TYPE_REQUEST, TYPE_RESPONSE -> maxMessageBytes;
            case TYPE_ERROR -> MAX_ERROR_BYTES;
            default -> 0;
        };
    }

    /**
     * Refuses a limit of requests and responses that a frame length cannot carry.
     *
     * @throws IllegalArgumentException when {@code maxMessageBytes} is below 1 or above 2^31-1 minus the header
     */
    public static long checkMaxMessageBytes(final long maxMessageBytes) {
        if (maxMessageBytes < 1 || maxMessageBytes > Integer.MAX_VALUE - HEADER_LENGTH) {
            throw new IllegalArgumentException("maxMessageBytes out of range, maxMessageBytes=" + maxMessageBytes
                + ", max=" + (Integer.MAX_VALUE - HEADER_LENGTH));
        }
        return maxMessageBytes;
    }

    /** The name of a frame type, for messages. */
    public static String typeName(final int type) {
        return switch (type) {
            case TYPE_WELCOME -> "welcome";
            case TYPE_REQUEST -> "request";
            case TYPE_RESPONSE -> "response";
            case TYPE_ERROR -> "error";
            default -> "unknown(" + type + ")";
        };
    }
}
