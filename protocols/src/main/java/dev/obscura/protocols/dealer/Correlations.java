package dev.obscura.protocols.dealer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The registry of correlation kinds the dealer can produce, and their wire encoding: a request is the kind's name
 * and its integer parameters, so a new kind needs one {@link #register} call and no change to the dealer.
 */
public final class Correlations {
    private static final Map<String, Function<int[], Correlation<?>>> DECODERS = new ConcurrentHashMap<>();

    static {
        register(TripleCorrelation.KIND, TripleCorrelation::decode);
        register(TruncationCorrelation.KIND, TruncationCorrelation::decode);
        register(ComparisonCorrelation.KIND, ComparisonCorrelation::decode);
    }

    private Correlations() {
    }

    /** Registers the decoder of a correlation kind; a later registration of the same kind replaces it. */
    public static void register(final String kind, final Function<int[], Correlation<?>> decoder) {
        DECODERS.put(kind, decoder);
    }

    /** Encodes a request: kind length, kind bytes, parameter count, parameters. */
    public static byte[] encode(final Correlation<?> c) {
        final byte[] kind = c.kind().getBytes(StandardCharsets.UTF_8);
        final int[] params = c.params();
        final ByteBuffer buf = ByteBuffer.allocate(8 + kind.length + 4 * params.length);
        buf.putInt(kind.length).put(kind).putInt(params.length);
        for (final int p : params) {
            buf.putInt(p);
        }
        return buf.array();
    }

    /**
     * Decodes a request.
     *
     * @throws IllegalArgumentException for a malformed request or an unknown kind
     */
    public static Correlation<?> decode(final byte[] bytes) {
        try {
            final ByteBuffer buf = ByteBuffer.wrap(bytes);
            final int kindLength = buf.getInt();
            if (kindLength < 1 || kindLength > 64) {
                throw new IllegalArgumentException("malformed dealer request, kindLength=" + kindLength);
            }
            final byte[] kind = new byte[kindLength];
            buf.get(kind);
            final int count = buf.getInt();
            if (count < 0 || count != buf.remaining() / 4 || buf.remaining() % 4 != 0) {
                throw new IllegalArgumentException("malformed dealer request, paramCount=" + count);
            }
            final int[] params = new int[count];
            for (int i = 0; i < count; i++) {
                params[i] = buf.getInt();
            }
            final String name = new String(kind, StandardCharsets.UTF_8);
            final Function<int[], Correlation<?>> decoder = DECODERS.get(name);
            if (decoder == null) {
                throw new IllegalArgumentException("unknown correlation kind " + name + ", known=" + DECODERS.keySet());
            }
            return decoder.apply(params);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("malformed dealer request, bytes=" + bytes.length, e);
        }
    }
}
