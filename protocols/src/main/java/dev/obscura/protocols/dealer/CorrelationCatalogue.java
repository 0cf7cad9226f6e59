package dev.obscura.protocols.dealer;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kinds of correlated randomness that one dealer serves, and their wire encoding: a request is its kind's name
 * and its integer parameters. The suite hands the same catalogue to its dealer and to every party's
 * {@link DealerClient}, so a primitive with a new correlation is added by giving them a catalogue that includes its
 * kind ({@link #with}); the dealer itself never changes. Immutable and thread-safe: no registry, no global state.
 *
 * <pre>
 *   request = int nameLength | nameLength bytes of UTF-8 name | int paramCount | paramCount ints
 * </pre>
 * (big-endian), {@code 8 + nameLength + 4 paramCount} bytes.
 */
public final class CorrelationCatalogue {
    private final Map<String, CorrelationKind<?>> kinds;

    private CorrelationCatalogue(final Map<String, CorrelationKind<?>> kinds) {
        this.kinds = Collections.unmodifiableMap(kinds);
    }

    /**
     * The catalogue of {@code kinds}.
     *
     * @throws IllegalArgumentException when two kinds share a name
     */
    public static CorrelationCatalogue of(final CorrelationKind<?>... kinds) {
        final Map<String, CorrelationKind<?>> byName = new LinkedHashMap<>();
        for (final CorrelationKind<?> k : kinds) {
            if (byName.putIfAbsent(k.name(), k) != null) {
                throw new IllegalArgumentException("two correlation kinds share a name, name=" + k.name());
            }
        }
        return new CorrelationCatalogue(byName);
    }

    /** This catalogue with {@code kind} added (a name already listed is refused). */
    public CorrelationCatalogue with(final CorrelationKind<?> kind) {
        final CorrelationKind<?>[] all = kinds.values().toArray(new CorrelationKind<?>[kinds.size() + 1]);
        all[all.length - 1] = kind;
        return of(all);
    }

    /** Whether {@code kind} is listed (by name, and the same kind under it). */
    public boolean contains(final CorrelationKind<?> kind) {
        return kind.equals(kinds.get(kind.name()));
    }

    /**
     * Checks that {@code kind} is in this catalogue.
     *
     * @throws IllegalArgumentException when it is not
     */
    public void requireServed(final CorrelationKind<?> kind) {
        if (!contains(kind)) {
            throw new IllegalArgumentException("the dealer does not serve this correlation kind, kind=" + kind
                + ", known=" + kinds.keySet());
        }
    }

    /**
     * Encodes a request (see the class comment).
     *
     * @throws IllegalArgumentException when the request's kind is not in this catalogue
     */
    public byte[] encode(final Correlation<?> c) {
        requireServed(c.kind());
        final byte[] name = c.kind().name().getBytes(StandardCharsets.UTF_8);
        final int[] params = c.params();
        final ByteBuffer buf = ByteBuffer.allocate(8 + name.length + 4 * params.length);
        buf.putInt(name.length).put(name).putInt(params.length);
        for (final int p : params) {
            buf.putInt(p);
        }
        return buf.array();
    }

    /**
     * Decodes a request.
     *
     * @throws IllegalArgumentException for a malformed request or a kind not in this catalogue
     */
    public Correlation<?> decode(final byte[] bytes) {
        try {
            final ByteBuffer buf = ByteBuffer.wrap(bytes);
            final int nameLength = buf.getInt();
            if (nameLength < 1 || nameLength > CorrelationKind.MAX_NAME_BYTES) {
                throw new IllegalArgumentException("malformed dealer request, kindLength=" + nameLength);
            }
            final byte[] name = new byte[nameLength];
            buf.get(name);
            final int count = buf.getInt();
            if (count < 0 || count != buf.remaining() / 4 || buf.remaining() % 4 != 0) {
                throw new IllegalArgumentException("malformed dealer request, paramCount=" + count);
            }
            final int[] params = new int[count];
            for (int i = 0; i < count; i++) {
                params[i] = buf.getInt();
            }
            final String kindName = new String(name, StandardCharsets.UTF_8);
            final CorrelationKind<?> kind = kinds.get(kindName);
            if (kind == null) {
                throw new IllegalArgumentException("unknown correlation kind, kind=" + kindName + ", known="
                    + kinds.keySet());
            }
            return kind.decode(params);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("malformed dealer request, bytes=" + bytes.length, e);
        }
    }

    @Override
    public String toString() {
        return "CorrelationCatalogue" + Arrays.toString(kinds.keySet().toArray());
    }
}
