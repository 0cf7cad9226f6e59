package dev.obscura.federated.worker;

/**
 * The messages between a caller and a worker, carried as the payloads of RPC frames
 * ({@link dev.obscura.network.rpc.RpcFrameDescriptor}) or handed over in-process, encoded alike. Every field is
 * little-endian; a shape is a rank (uint8, at most 8) and that many int32 dimensions; a tensor is its shape and its
 * float32 elements, row-major; ids are int64, chosen by the worker, never reused.
 *
 * <pre>
 *  request  = op (uint8) | frees (int32 count, int64 ids) | body of the op
 *  response = body of the op's answer (an error travels as an RPC error with a message)
 * </pre>
 *
 * The frees ahead of every body are the ids of objects whose references the caller closed or the garbage collector
 * took since the last request: the worker drops them first. Bodies, request then answer:
 *
 * <pre>
 *  FLUSH          -                                                  -
 *  PUT_TENSOR     requiresGrad (u8) | tensor                         id
 *  GET_TENSOR     id | remove (u8)                                   tensor
 *  LIST           -                                                  count | (id, kind (u8), shape, bytes, grad (u8))*
 *                                                                    | total bytes
 *  COMPUTE        function (u8) | ids | ints | scalar (f32)          id | shape | requiresGrad (u8)
 *  BACKWARD       id                                                 -
 *  GRAD           id                                                 id | shape
 *  ZERO_GRAD      id                                                 -
 *  SUB_IN_PLACE   target id | delta id                               -
 *  SEND_TO        id | worker name | keep (u8)                       id at that worker | requiresGrad (u8)
 *  PUT_MODEL      spec | model file (blob)                           id
 *  GET_MODEL      id | remove (u8)                                   model file (blob)
 *  MODEL_FORWARD  model id | input id                                id | shape | requiresGrad (u8)
 *  MODEL_STEP     model id | learning rate (f32)                     -
 *  MODEL_ZERO_GRAD model id                                          -
 *  MODEL_FIT      model id | dataset id | epochs | batch | lr | momentum | weight decay | seed
 *                                                                    update id | update length | samples
 *                                                                    | mean loss (f64) | correct
 *  MODEL_EVALUATE model id | dataset id | batch                      correct | count
 *  PUT_DATASET    image shape | count | images (f32) | labels (i32)  id
 *  FIND_DATASET   name                                               id | count | image shape
 *  GROUP_JOIN     group | role (party index, or -1 for the crypto provider) | parties | fractional bits | member names
 *  GROUP_LEAVE    group                                              -
 *  SHARE_PUT      group | shape | fractional bits | shares (i64)     id
 *  SHARE_INPUT    group | owner party | source id (at the owner) | shape      id
 *  SHARE_COMPUTE  group | function | ids | ints | scalar             id | shape
 *  SHARE_GET      id | remove (u8)                                   shape | fractional bits | shares (i64)
 *  SHARED_MODEL_PUT group | spec | count | (shape, shares)*          id
 *  SHARED_FORWARD model id | input id                                id | shape
 *  CLIP_NORM      id | clip norm (f64)                               id | shape
 *  SECAGG_BEGIN   setup frame (blob) | client id | update id | weight (f64) | clip norm (f64, 0: none)
 *                 | fractional bits | time-out ms (i64)              AdvertiseKeys frame (blob)
 *  SECAGG_STEP    round id | server frame (blob)                     reply frame (blob) | finished (u8)
 *  SECAGG_END     round id                                           -
 *  ADDITIVE_AGGREGATE setup frame (blob) | aggregator index | count | (client id, worker name)* | time-out ms
 *                                                                    -
 *  ADDITIVE_SHARE setup frame (blob) | client id | update id | weight (f64) | clip norm (f64) | fractional bits
 *                 | count | aggregator worker names                  -
 *  ADDITIVE_RECEIVE round id | share frame (blob)                    -
 *  ADDITIVE_REPORT round id                                          ContributorReport frame (blob)
 *  ADDITIVE_SUM   round id | ContributorSet frame (blob)             AggregatorSum frame (blob)
 *  ADDITIVE_SUM_NOISED  round id | ContributorSet frame (blob) | noise multiplier (f64) | clip (f64) | frac bits
 *                 (i32)                                              AggregatorSum frame (blob), its sum plus the
 *                                                                    discrete Gaussian noise of sigma * clip
 * </pre>
 *
 * The {@code SECAGG_} requests run one client of Bonawitz et al.'s secure aggregation
 * ({@link dev.obscura.federated.secagg.SecAggClient}) where the update is ({@link SecAggRequests}): the frames are
 * {@link dev.obscura.federated.secagg.SecAggMessage#encode()}'s, relayed by the caller, who runs the server. The
 * {@code ADDITIVE_} requests run the additive route: a client worker shares its update and sends each share straight
 * to its aggregator worker ({@code ADDITIVE_RECEIVE}, worker to worker: the caller never sees a share), and the
 * caller, as the combiner, collects the aggregators' reports and sums.
 */
final class WorkerProtocol {
    /** The service name a worker sends in its welcome and a caller expects. */
    static final String SERVICE = "obscura-worker/1";

    static final int FLUSH = 1;
    static final int PUT_TENSOR = 2;
    static final int GET_TENSOR = 3;
    static final int LIST = 4;
    static final int COMPUTE = 5;
    static final int BACKWARD = 6;
    static final int GRAD = 7;
    static final int ZERO_GRAD = 8;
    static final int SUB_IN_PLACE = 9;
    static final int SEND_TO = 10;
    static final int PUT_MODEL = 11;
    static final int GET_MODEL = 12;
    static final int MODEL_FORWARD = 13;
    static final int MODEL_STEP = 14;
    static final int MODEL_ZERO_GRAD = 15;
    static final int MODEL_FIT = 16;
    static final int MODEL_EVALUATE = 17;
    static final int PUT_DATASET = 18;
    static final int FIND_DATASET = 19;
    static final int GROUP_JOIN = 30;
    static final int GROUP_LEAVE = 31;
    static final int SHARE_PUT = 32;
    static final int SHARE_INPUT = 33;
    static final int SHARE_COMPUTE = 34;
    static final int SHARE_GET = 35;
    static final int SHARED_MODEL_PUT = 36;
    static final int SHARED_FORWARD = 37;
    static final int CLIP_NORM = 20;
    static final int SECAGG_BEGIN = 40;
    static final int SECAGG_STEP = 41;
    static final int SECAGG_END = 42;
    static final int ADDITIVE_AGGREGATE = 43;
    static final int ADDITIVE_SHARE = 44;
    static final int ADDITIVE_RECEIVE = 45;
    static final int ADDITIVE_REPORT = 46;
    static final int ADDITIVE_SUM = 47;
    static final int ADDITIVE_SUM_NOISED = 48;

    /** Most ids in one list (frees, operands). */
    static final int MAX_IDS = 1 << 20;
    /** Most int parameters of one function. */
    static final int MAX_INTS = 16;
    /** Most members of a secure group. */
    static final int MAX_MEMBERS = 17;
    /** Most parameters of a model. */
    static final int MAX_PARAMETERS = 1024;
    /** Kinds of objects in a listing. */
    static final int KIND_TENSOR = 1;
    static final int KIND_MODEL = 2;
    static final int KIND_DATASET = 3;
    static final int KIND_SHARE = 4;
    static final int KIND_SHARED_MODEL = 5;

    private WorkerProtocol() {
    }

    /** A request's first bytes: its op and the frees. */
    static WireWriter request(final int op, final long[] frees) {
        return new WireWriter().u8(op).ids(frees);
    }
}
