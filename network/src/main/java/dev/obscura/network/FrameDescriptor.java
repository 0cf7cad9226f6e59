package dev.obscura.network;

/**
 * The layout of one frame on a connection between two endpoints, inside the TLS stream. Every field is
 * little-endian, like the ring elements of the payload.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Frame Length                          |  0
 *  +---------------+---------------+-------------------------------+
 *  |    Version    |     Type      |            Sender             |  4
 *  +---------------+---------------+-------------------------------+
 *  |                          Session Id                           |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Sequence Number                        | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            Payload                           ... 24
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Frame Length</b> (int32): header plus payload, in bytes; at least {@link #HEADER_LENGTH}, at most
 *       {@code HEADER_LENGTH + max-frame-bytes} of the configuration. A receiver checks it before it takes in
 *       anything more, so an oversized length allocates nothing.</li>
 *   <li><b>Version</b> (uint8): {@link #VERSION}; a frame of another version is refused.</li>
 *   <li><b>Type</b> (uint8): {@link #TYPE_HELLO}, {@link #TYPE_DATA}, {@link #TYPE_HEARTBEAT}, {@link #TYPE_CLOSE}
 *       or {@link #TYPE_ABORT}.</li>
 *   <li><b>Sender</b> (uint16): the sending endpoint's id; it must be the peer the connection was authenticated
 *       as.</li>
 *   <li><b>Session Id</b> (int64): 0 in the hello; afterwards derived from both hellos (see {@link Hello}), so a frame
 *       of another connection or an earlier run is refused.</li>
 *   <li><b>Sequence Number</b> (int64): 0 for the hello, then 1, 2, ... per direction of a connection over every
 *       frame type; a frame out of sequence (lost, reordered or replayed) is refused.</li>
 * </ul>
 *
 * The payload of a data frame is the message: the elements of the sent tensors, concatenated, or the sent bytes.
 * {@code docs/WIRE_FORMAT.md} describes the frame types and the connection's life.
 */
public final class FrameDescriptor {
    /** The protocol version this build speaks. */
    public static final int VERSION = 1;

    /** The first frame each way: the endpoint's settings, checked for agreement. */
    public static final int TYPE_HELLO = 1;
    /** A message of the program. */
    public static final int TYPE_DATA = 2;
    /** Sent on an idle connection to show the sender is alive; empty. */
    public static final int TYPE_HEARTBEAT = 3;
    /** The sender closed its endpoint normally; frames sent before it are delivered. Empty. */
    public static final int TYPE_CLOSE = 4;
    /** The sender failed; the payload is the reason (UTF-8, a fact, at most {@link #MAX_REASON_BYTES}). */
    public static final int TYPE_ABORT = 5;

    /** Offset of the frame length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the protocol version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the frame type. */
    public static final int TYPE_OFFSET = 5;
    /** Offset of the sender's endpoint id. */
    public static final int SENDER_OFFSET = 6;
    /** Offset of the session id. */
    public static final int SESSION_OFFSET = 8;
    /** Offset of the sequence number. */
    public static final int SEQUENCE_OFFSET = 16;
    /** Length of the header, and offset of the payload. */
    public static final int HEADER_LENGTH = 24;

    /** The largest hello payload. */
    public static final int MAX_HELLO_BYTES = 16 * 1024;
    /** The largest abort payload. */
    public static final int MAX_REASON_BYTES = 1024;
    /** The largest endpoint id the sender field holds. */
    public static final int MAX_ENDPOINT_ID = 0xFFFF;

    private FrameDescriptor() {
    }

    /** Whether {@code type} is a frame type of this version. */
    public static boolean isKnownType(final int type) {
        return type >= TYPE_HELLO && type <= TYPE_ABORT;
    }

    /** The largest payload a frame of {@code type} may carry, given the configured data frame limit. */
    public static long maxPayload(final int type, final long maxFrameBytes) {
        return switch (type) {
            case TYPE_HELLO -> MAX_HELLO_BYTES;
            case TYPE_DATA -> maxFrameBytes;
            case TYPE_ABORT -> MAX_REASON_BYTES;
            default -> 0;
        };
    }

    /** The name of a frame type, for messages. */
    public static String typeName(final int type) {
        return switch (type) {
            case TYPE_HELLO -> "hello";
            case TYPE_DATA -> "data";
            case TYPE_HEARTBEAT -> "heartbeat";
            case TYPE_CLOSE -> "close";
            case TYPE_ABORT -> "abort";
            default -> "unknown(" + type + ")";
        };
    }
}
