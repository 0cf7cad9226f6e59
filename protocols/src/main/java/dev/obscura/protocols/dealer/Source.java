package dev.obscura.protocols.dealer;

import dev.obscura.backend.Backend;
import dev.obscura.ring.RingTensor;
import java.util.function.Function;

/**
 * Where a {@link Correlation}'s recipe draws its values. The same recipe runs on both sides:
 *
 * <ul>
 *   <li>at a party, {@link #uniform} and {@link #dependent} return this party's share;</li>
 *   <li>at the dealer, they return the whole value, and {@link #dependent} sends the last party its share.</li>
 * </ul>
 *
 * <p>Every party's share of a uniform value, and every share but the last party's of a dependent value, comes from
 * the PRG whose seed the dealer sent that party once; the dealer runs all those PRGs too, so it knows every share
 * without sending any. Only the last party's share of a dependent value (for example {@code c - sum of the other
 * c_i} of a Beaver triple) travels, as one frame per dependent value. A recipe therefore reads like the math of its
 * correlation, and the compression comes for free.
 */
public interface Source {

    /** How the shares of a value combine: by addition modulo 2^64, or by XOR (bits packed in words). */
    enum Sharing {
        ARITHMETIC,
        XOR
    }

    /** The backend to compute with. */
    Backend backend();

    /** Whether this is the dealer's side (whole values) rather than a party's (shares). */
    boolean isDealer();

    /** A fresh uniformly random shared value of {@code shape}. */
    RingTensor uniform(Sharing sharing, int... shape);

    /**
     * A shared value that depends on earlier ones. At the dealer, {@code wholeValue} computes it from the whole
     * values returned so far; at a party it is never called.
     */
    RingTensor dependent(Sharing sharing, int[] shape, Function<Backend, RingTensor> wholeValue);
}
