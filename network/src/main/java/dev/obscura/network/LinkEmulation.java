package dev.obscura.network;

import java.time.Duration;

/**
 * An emulated network link between this endpoint and each peer: every message arrives half a round-trip time late,
 * and no faster than the bandwidth allows ({@code --emulate-rtt 10ms --emulate-bandwidth 1gbit}). Each endpoint
 * delays the messages it receives, so give every endpoint the same setting; a round trip (a message and its
 * answer) then costs the whole round-trip time. Heartbeats and the connection's set-up are not delayed.
 *
 * <p>The link is modelled per peer as a queue served at the bandwidth: a message of {@code b} bytes that arrives at
 * {@code t} is delivered at {@code max(t, free) + 8b / bandwidth + rtt / 2}, where {@code free} is when the previous
 * message finished its transmission.
 *
 * @param rtt           the round-trip time to add ({@link Duration#ZERO} for none)
 * @param bitsPerSecond the bandwidth cap in bits per second ({@code 0} for none)
 */
public record LinkEmulation(Duration rtt, long bitsPerSecond) {
    /** No emulation: messages are delivered as they arrive. */
    public static final LinkEmulation NONE = new LinkEmulation(Duration.ZERO, 0);

    /** Checks the settings. */
    public LinkEmulation {
        if (rtt.isNegative()) {
            throw new IllegalArgumentException("rtt must not be negative, rtt=" + rtt);
        }
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth must not be negative, bitsPerSecond=" + bitsPerSecond);
        }
    }

    /**
     * From command-line text: {@code rtt} such as {@code 10ms} and {@code bandwidth} such as {@code 1gbit}; either may
     * be {@code null} for none.
     */
    public static LinkEmulation parse(final String rtt, final String bandwidth) {
        return new LinkEmulation(rtt == null ? Duration.ZERO : Units.duration(rtt),
            bandwidth == null ? 0 : Units.bitsPerSecond(bandwidth));
    }

    /** Whether this delays anything. */
    public boolean enabled() {
        return !rtt.isZero() || bitsPerSecond > 0;
    }

    /** Nanoseconds a message of {@code bytes} occupies the link. */
    long transmissionNanos(final long bytes) {
        return bitsPerSecond == 0 ? 0 : (long) (bytes * 8.0 * 1e9 / bitsPerSecond);
    }

    /** Half the round-trip time in nanoseconds. */
    long oneWayNanos() {
        return rtt.toNanos() / 2;
    }

    @Override
    public String toString() {
        return enabled() ? "LinkEmulation[rtt=" + Units.format(rtt) + ", bandwidth=" + bitsPerSecond + " bit/s]"
            : "LinkEmulation[none]";
    }
}
