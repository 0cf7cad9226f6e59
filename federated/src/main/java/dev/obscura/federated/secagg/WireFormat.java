package dev.obscura.federated.secagg;

/**
 * The byte layout of every secure-aggregation message: a 16-byte header, then a body whose layout each message
 * type documents. All integers are big-endian; counts are 32-bit and checked against the bytes that follow, so a
 * frame of the wrong length is refused ({@link SecAggException.Reason#MALFORMED}), never misread.
 *
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+
 * |    version    |     type      |        reserved (zero)        |  0
 * +---------------+---------------+-------------------------------+
 * |         party: the sender, the recipient, or -1 (server)      |  4
 * +---------------------------------------------------------------+
 * |                           round id                            |  8
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                       body (by type) ...                      | 16
 * </pre>
 *
 * <p>Bodies ({@code n} counts, {@code id} client ids, {@code pk} 32-byte X25519 public keys):
 * <pre>
 * ROUND_SETUP         threshold(4) vectorLength(4) n(4) id(4)*n                       party = -1
 * ADVERTISE_KEYS      encryptionPk(32) maskingPk(32)                                   party = sender
 * KEY_DIRECTORY       n(4) [id(4) encryptionPk(32) maskingPk(32)]*n                    party = -1
 * SHARE_KEYS          n(4) [recipient(4) nonce(12) ciphertext(64)]*n                   party = sender
 * SHARE_DELIVERY      n(4) [sender(4) nonce(12) ciphertext(64)]*n                      party = recipient
 * MASKED_INPUT        m(4) value(8)*m                                                  party = sender
 * UNMASK_REQUEST      n(4) id(4)*n                                                     party = -1
 * UNMASK_SHARES       n(4) [owner(4) seedShare(16)]*n  d(4) [owner(4) keyShare(32)]*d   party = sender
 * ADDITIVE_SETUP      aggregators(4) minClients(4) vectorLength(4) n(4) id(4)*n        party = -1
 * ADDITIVE_SHARE      aggregator(4) kind(1) then seed(16) or m(4) value(8)*m           party = sender
 * CONTRIBUTOR_REPORT  n(4) id(4)*n                                                     party = aggregator
 * CONTRIBUTOR_SET     n(4) id(4)*n                                                     party = -1
 * AGGREGATOR_SUM      n(4) id(4)*n m(4) value(8)*m                                     party = aggregator
 * </pre>
 * The message classes encode and decode these layouts; {@link SecAggCosts} states their sizes as formulas.
 */
public final class WireFormat {
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** Offset of the version byte. */
    public static final int VERSION_OFFSET = 0;
    /** Offset of the message type byte ({@link MessageType#code()}). */
    public static final int TYPE_OFFSET = 1;
    /** Offset of the two reserved bytes, which must be zero. */
    public static final int RESERVED_OFFSET = 2;
    /** Offset of the 32-bit party id: the sender of a message to the server, the recipient of a unicast reply. */
    public static final int PARTY_OFFSET = 4;
    /** Offset of the 64-bit round id. */
    public static final int ROUND_OFFSET = 8;
    /** Header length in bytes; the body starts here. */
    public static final int HEADER_BYTES = 16;
    /** The party id of the server (and of a coordinator or combiner) in the header. */
    public static final int SERVER = -1;
    /** Bytes of an X25519 public or private key. */
    public static final int KEY_BYTES = 32;
    /** Bytes of a self-mask seed and of each of its Shamir shares: an AES-128 key ({@code dev.obscura.random.Seed}). */
    public static final int SEED_BYTES = 16;
    /** Bytes of an AES-GCM nonce. */
    public static final int NONCE_BYTES = 12;
    /** Bytes of an AES-GCM tag. */
    public static final int TAG_BYTES = 16;
    /** Bytes of one encrypted share: the masking-key share and the self-mask seed share, plus the tag. */
    public static final int SHARE_CIPHERTEXT_BYTES = KEY_BYTES + SEED_BYTES + TAG_BYTES;
    /** Bytes of one encrypted share entry on the wire: a party id, the nonce and the ciphertext. */
    public static final int SHARE_ENTRY_BYTES = Integer.BYTES + NONCE_BYTES + SHARE_CIPHERTEXT_BYTES;
    /** The most clients a round can have: Shamir sharing over GF(2^8) has 255 non-zero evaluation points. */
    public static final int MAX_CLIENTS = 255;
    /** The longest update vector (the largest {@code RingTensor}). */
    public static final int MAX_VECTOR_LENGTH = 1 << 28;

    private WireFormat() {
    }
}
