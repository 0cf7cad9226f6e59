package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Session;
import dev.obscura.protocols.dealer.ComparisonCorrelation;
import dev.obscura.protocols.dealer.ComparisonMaterial;
import dev.obscura.protocols.dealer.DealerClient;
import dev.obscura.ring.RingTensor;

/**
 * Exact comparison with zero of additively shared ring values, for every one of the 2^64 values and any number of
 * parties: the sign {@code [x < 0]}, its complement {@code [x >= 0]} (the derivative of ReLU) and
 * {@code relu(x) = max(x, 0)}. No approximation and no failure probability: the sign is the most significant bit of
 * {@code x}, computed by a boolean adder on a masked opening.
 *
 * <p>Ref: bit extraction by a parallel prefix adder on a masked opening, ABY3 (Mohassel and Rindal, CCS 2018,
 * eprint 2018/403, Section 5.3 "Share Conversions"); CrypTen's comparison gets the same bit from a carry-lookahead
 * adder, SecureNN (Wagh, Gupta and Chandran, PETS 2019) from a private compare against a masked opening. The prefix
 * network is the Brent-Kung reduction tree (Brent and Kung, IEEE TC 1982) for
 * the one carry that is needed. Bit conversion and select with a bit dealt in both sharings (a daBit: Rotaru and
 * Wood, INDOCRYPT 2019), which is ABY3's bit injection with a dealer.
 *
 * <p>Notation: {@code [v]} is an arithmetic sharing over Z_2^64, {@code <v>} an XOR sharing of bits, bit-sliced:
 * the {@code n} elements' bit {@code j} lie in one plane of {@code W = ceil(n / 64)} words
 * ({@link Backend#toBitPlanes}), so one word operation is 64 gates. Public values are known to every party; in a
 * sum of shares only party 0 adds (or XORs) a public constant. The dealer material is
 * {@link ComparisonCorrelation}.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li><b>Mask and open</b> (round 1). The dealer gives {@code [r]} for a uniform {@code r}, {@code <t>} for
 *       {@code t = NOT r} as 64 bit planes, and the pair products {@code <m_j> = <t_2j AND t_2j+1>}. Open
 *       {@code c = x + r}; {@code c} is uniform, so it says nothing about {@code x}. Then
 *       {@code x = c - r = c + t + 1 (mod 2^64)}, and {@code msb(x) = c_63 XOR t_63 XOR carry_63}, the carry into
 *       bit 63 of the sum {@code c + t} with carry-in 1.</li>
 *   <li><b>Generate and propagate</b> (local). With {@code g_i = c_i t_i} and {@code p_i = c_i XOR t_i} (AND is
 *       written as a product), {@code carry_63} is the group generate {@code G[0..62]}, and two groups combine as
 *       {@code (G, P) = (G_hi XOR P_hi G_lo, P_hi P_lo)}. Because {@code c} is public, a pair of bits
 *       {@code (lo, hi) = (2j, 2j+1)} combines locally, being linear in {@code t} and the dealt {@code m_j}:
 *       <pre>
 *   G_j = c_hi t_hi XOR c_lo (c_hi t_lo XOR m_j)
 *   P_j = c_hi t_lo XOR c_lo t_hi XOR m_j XOR c_hi c_lo</pre>
 *       The carry-in folds into bit 0 as {@code g_0' = c_0 OR t_0 = c_0 XOR (NOT c_0) t_0}, so the lowest pair is
 *       {@code G_0 = (c_1 XOR c_0) t_1 XOR (NOT c_0)(c_1 t_0 XOR m_0) XOR c_1 c_0}; bit 62 stays a group of its
 *       own, {@code (G, P) = (c_62 t_62, c_62 XOR t_62)}. That makes 32 groups.</li>
 *   <li><b>Carry tree</b> (rounds 2 to 6). Five levels halve the groups, 32 to 16, 8, 4, 2, 1. A level with
 *       {@code k} outputs evaluates {@code k} ANDs {@code P_hi G_lo} and {@code k - 1} ANDs {@code P_hi P_lo} (the
 *       group holding bit 0 never needs its P), all in one round with bit-sliced Beaver triples
 *       {@code (<a>, <b>, <ab>)}: open {@code d = u XOR a} and {@code e = v XOR b} for every gate at once, then
 *       {@code <uv> = <ab> XOR d<b> XOR e<a> XOR de} (Beaver, CRYPTO 1991). Groups are stored in bit-reversed
 *       order, so the low and high inputs of a level are the two contiguous halves of one tensor and every level is
 *       a handful of whole-tensor word operations. 31 + 15 + 7 + 3 + 1 = 57 ANDs in all.</li>
 *   <li><b>The bit</b>. {@code <msb> = <G[0..62]> XOR <t_63> XOR c_63}.</li>
 *   <li><b>To arithmetic</b> (round 7). With the daBit {@code (<rb>, [rb])}, open {@code d = msb XOR rb} (one bit
 *       per element, packed). Then {@code msb = d XOR rb = d + rb - 2 d rb}, so
 *       {@code [msb] = d + (1 - 2d) [rb]}, linear in the shares because {@code d} is public.</li>
 *   <li><b>Select</b> (ReLU, local). {@code x msb = d x + (1 - 2d) x rb}, and {@code x rb = (c - r) rb} gives
 *       {@code [x rb] = c [rb] - [r rb]} from the opening of step 1 and the dealt {@code [r rb]}. So
 *       {@code [relu(x)] = [x] - [x msb] = (1 - d)[x] - (1 - 2d)(c [rb] - [r rb])}: no multiplication round after
 *       the bit is known.</li>
 * </ol>
 *
 * <h2>Cost, for N parties and n elements, W = ceil(n / 64)</h2>
 * <ul>
 *   <li>Rounds: 7 (1 opening of {@code c}, 5 tree levels, 1 bit conversion), for the sign, its complement and
 *       ReLU alike.</li>
 *   <li>Bytes sent per party: {@code (N - 1) (8n + 8W (2 * 57 + 1)) = (N - 1)(8n + 920 W)}; for two parties and n a
 *       multiple of 64, {@code 8 + 920 / 64 = 22.375} bytes per element.</li>
 *   <li>Dealer bytes (to the last party): {@code 1216 W + 8n}, and {@code 1216 W + 16n} for ReLU; 27 and 35 bytes
 *       per element.</li>
 * </ul>
 * Against the textbook version (an AND level for the bit pairs too, and a select that opens {@code x - u} for a
 * separate triple), dealing the pair products saves a round and 61 of 118 ANDs, and reusing the mask {@code r}
 * for the select saves the second 8-byte opening: 7 rounds and 22.4 bytes instead of 8 rounds and 45.6 bytes.
 *
 * <p>Security: every opened value is masked by fresh uniform dealer randomness ({@code c} by {@code r}, the gate
 * openings by {@code a} and {@code b}, the bit by {@code rb}, padding bits included), so the view of any coalition
 * of all but one party is simulatable, provided the dealer colludes with no party.
 */
final class Comparison {
    /** Groups after the local first level: 31 bit pairs and bit 62 alone. */
    private static final int GROUPS = 32;
    /** log2(GROUPS): groups are stored at the bit-reversal of their index in this many bits. */
    private static final int GROUP_BITS = 5;
    private static final int TOP = ComparisonCorrelation.PLANES - 1;
    private static final int SINGLETON = 2 * ComparisonCorrelation.PAIRS;

    private final Session session;
    private final DealerClient dealer;
    private final Comm comm;
    private final Backend be;

    Comparison(final Session session, final DealerClient dealer, final Comm comm) {
        this.session = session;
        this.dealer = dealer;
        this.comm = comm;
        this.be = session.backend();
    }

    /** Shares of {@code [x < 0]} as a 0/1 ring value, {@code x} read as a signed 64-bit value. */
    RingTensor lessThanZero(final RingTensor x) {
        return signBit(x, false);
    }

    /** Shares of {@code [x >= 0] = 1 - [x < 0]} as a 0/1 ring value: the derivative of ReLU, 1 at 0. */
    RingTensor nonNegative(final RingTensor x) {
        return signBit(x, true);
    }

    /** Step 5 for the sign bit or its complement. */
    private RingTensor signBit(final RingTensor x, final boolean complement) {
        final int n = Math.toIntExact(x.numel());
        if (n == 0) {
            return RingTensor.zeros(x.shape());
        }
        try (ComparisonMaterial m = dealer.take(new ComparisonCorrelation(n, false));
             Opened o = sign(x.reshape(n), m)) {
            final RingTensor out = RingTensor.zeros(x.shape());
            final RingTensor z = out.reshape(n);
            // [msb] = d + (1 - 2d) [rb],  1 - [msb] = (1 - d) - (1 - 2d) [rb]
            be.mulScalar(o.d(), complement ? 2 : -2, z);
            be.addScalar(z, complement ? -1 : 1, z);
            be.mul(z, m.bitArith(), z);
            if (session.partyId() == 0) {
                if (complement) {
                    be.sub(z, o.d(), z);
                    be.addScalar(z, 1, z);
                } else {
                    be.add(z, o.d(), z);
                }
            }
            return out;
        }
    }

    /** Shares of {@code max(x, 0)}, same scale as {@code x}, exact. */
    RingTensor relu(final RingTensor x) {
        final int n = Math.toIntExact(x.numel());
        if (n == 0) {
            return RingTensor.zeros(x.shape());
        }
        final RingTensor xs = x.reshape(n);
        try (ComparisonMaterial m = dealer.take(new ComparisonCorrelation(n, true));
             Opened o = sign(xs, m)) {
            final RingTensor out = RingTensor.zeros(x.shape());
            final RingTensor z = out.reshape(n);
            final RingTensor c = o.c();
            final RingTensor d = o.d();
            // [x rb] = c [rb] - [r rb]                 (into c, no longer needed)
            be.mul(c, m.bitArith(), c);
            be.sub(c, m.maskTimesBit(), c);
            // [x msb] = d [x] + (1 - 2d) [x rb]        (1 - 2d into d after its last use as d)
            be.mul(d, xs, z);
            be.mulScalar(d, -2, d);
            be.addScalar(d, 1, d);
            be.mul(d, c, c);
            be.add(z, c, z);
            // [relu(x)] = [x] - [x msb]
            be.sub(xs, z, z);
            return out;
        }
    }

    /** The public values of steps 1 and 5: the opening {@code c = x + r} and {@code d = msb(x) XOR rb}, 0/1. */
    private record Opened(RingTensor c, RingTensor d) implements AutoCloseable {
        @Override
        public void close() {
            c.close();
            d.close();
        }
    }

    /** Steps 1 to 5 up to the opening of {@code d = msb XOR rb}; {@code xs} has n elements. */
    private Opened sign(final RingTensor xs, final ComparisonMaterial m) {
        final int n = (int) xs.numel();
        final int w = ComparisonCorrelation.words(n);
        // The mask is used once: x + r goes into its own buffer.
        be.add(xs, m.r(), m.r());
        final RingTensor c = comm.open(m.r());
        final RingTensor d = RingTensor.zeros(n);
        try (RingTensor msb = msbShares(c, m, w); RingTensor incoming = msb.zerosLike()) {
            be.xor(msb, m.bit().reshape(1, w), msb);
            openXor(new RingTensor[] {msb}, new RingTensor[] {incoming});
            be.unpackBits(msb.reshape(w), d);
        } catch (RuntimeException e) {
            c.close();
            d.close();
            throw e;
        }
        return new Opened(c, d);
    }

    /** Steps 2 to 4: XOR shares of the most significant bit of {@code c - r}, packed as a {@code [1, w]} plane. */
    private RingTensor msbShares(final RingTensor c, final ComparisonMaterial m, final int w) {
        try (RingTensor cPlanes = RingTensor.zeros(ComparisonCorrelation.PLANES, w);
             RingTensor g = RingTensor.zeros(GROUPS, w);
             RingTensor p = RingTensor.zeros(GROUPS, w)) {
            be.toBitPlanes(c, cPlanes);
            pairGroups(cPlanes, m, g, p, w);
            carryTree(g, p, m);
            // <msb> = <G[0..62]> XOR <t_63> XOR c_63
            final RingTensor msb = RingTensor.zeros(1, w);
            be.xor(g.slice(0, 1), row(m.notR(), TOP), msb);
            if (session.partyId() == 0) {
                be.xor(msb, row(cPlanes, TOP), msb);
            }
            return msb;
        }
    }

    /**
     * Step 2: the (G, P) of the 32 first-level groups, local. Group {@code j} goes to row
     * {@code reverse(j)} (in {@value #GROUP_BITS} bits) of {@code g} and {@code p}; P of group 0 is never needed.
     */
    private void pairGroups(final RingTensor cPlanes, final ComparisonMaterial m, final RingTensor g,
                            final RingTensor p, final int w) {
        final boolean first = session.partyId() == 0;
        final RingTensor t = m.notR();
        try (RingTensor tmp = RingTensor.zeros(1, w); RingTensor tmp2 = RingTensor.zeros(1, w)) {
            // Lowest pair, carry-in folded into bit 0:
            // G_0 = (c_1 XOR c_0) t_1 XOR (NOT c_0)(c_1 t_0 XOR m_0) XOR c_1 c_0
            final RingTensor c0 = row(cPlanes, 0);
            final RingTensor c1 = row(cPlanes, 1);
            final RingTensor g0 = row(g, 0);
            be.and(c1, row(t, 0), tmp);
            be.xor(tmp, row(m.pairs(), 0), tmp);
            be.not(c0, tmp2);
            be.and(tmp, tmp2, tmp);
            be.xor(c1, c0, g0);
            be.and(g0, row(t, 1), g0);
            be.xor(g0, tmp, g0);
            if (first) {
                be.and(c1, c0, tmp);
                be.xor(g0, tmp, g0);
            }
            for (int j = 1; j < ComparisonCorrelation.PAIRS; j++) {
                final int q = reversed(j);
                final RingTensor cLo = row(cPlanes, 2 * j);
                final RingTensor cHi = row(cPlanes, 2 * j + 1);
                final RingTensor tLo = row(t, 2 * j);
                final RingTensor tHi = row(t, 2 * j + 1);
                final RingTensor mj = row(m.pairs(), j);
                final RingTensor gq = row(g, q);
                final RingTensor pq = row(p, q);
                // G_j = c_hi t_hi XOR c_lo (c_hi t_lo XOR m_j)
                be.and(cHi, tLo, tmp);
                be.xor(tmp, mj, tmp2);
                be.and(tmp2, cLo, tmp2);
                be.and(cHi, tHi, gq);
                be.xor(gq, tmp2, gq);
                // P_j = c_hi t_lo XOR c_lo t_hi XOR m_j XOR c_hi c_lo     (c_hi t_lo is still in tmp)
                be.and(cLo, tHi, pq);
                be.xor(pq, tmp, pq);
                be.xor(pq, mj, pq);
                if (first) {
                    be.and(cHi, cLo, tmp);
                    be.xor(pq, tmp, pq);
                }
            }
            // Bit 62 alone: (G, P) = (c_62 t_62, c_62 XOR t_62)
            final int q = reversed(ComparisonCorrelation.PAIRS);
            be.and(row(cPlanes, SINGLETON), row(t, SINGLETON), row(g, q));
            be.copy(row(t, SINGLETON), row(p, q));
            if (first) {
                be.xor(row(p, q), row(cPlanes, SINGLETON), row(p, q));
            }
        }
    }

    /**
     * Step 3: the five AND levels of the carry tree, one round each. On return row 0 of {@code g} holds
     * {@code <G[0..62]>}.
     */
    private void carryTree(final RingTensor g, final RingTensor p, final ComparisonMaterial m) {
        final boolean first = session.partyId() == 0;
        final int w = g.dim(1);
        final int most = GROUPS - 1;
        try (RingTensor dBuf = RingTensor.zeros(most, w);
             RingTensor eBuf = RingTensor.zeros(most, w);
             RingTensor zBuf = RingTensor.zeros(most, w);
             RingTensor inD = RingTensor.zeros(most, w);
             RingTensor inE = RingTensor.zeros(most, w)) {
            int gate = 0;
            for (int k = GROUPS / 2; k >= 1; k >>= 1) {
                // Rows [0, k) are the low groups, rows [k, 2k) their high partners (bit-reversed order).
                final int gates = 2 * k - 1;
                final RingTensor a = m.andA().slice(gate, gate + gates);
                final RingTensor b = m.andB().slice(gate, gate + gates);
                final RingTensor ab = m.andC().slice(gate, gate + gates);
                gate += gates;
                final RingTensor d = dBuf.slice(0, gates);
                final RingTensor e = eBuf.slice(0, gates);
                final RingTensor z = zBuf.slice(0, gates);
                // Gates [0, k): P_hi G_lo. Gates [k, 2k-1): P_hi P_lo for the groups 1 .. k-1.
                be.xor(p.slice(k, 2 * k), a.slice(0, k), d.slice(0, k));
                be.xor(g.slice(0, k), b.slice(0, k), e.slice(0, k));
                if (k > 1) {
                    be.xor(p.slice(k + 1, 2 * k), a.slice(k, gates), d.slice(k, gates));
                    be.xor(p.slice(1, k), b.slice(k, gates), e.slice(k, gates));
                }
                openXor(new RingTensor[] {d, e}, new RingTensor[] {inD.slice(0, gates), inE.slice(0, gates)});
                // <uv> = <ab> XOR d<b> XOR e(<a> XOR [first] d)
                be.and(d, b, z);
                be.xor(z, ab, z);
                if (first) {
                    be.xor(d, a, d);
                    be.and(e, d, e);
                } else {
                    be.and(e, a, e);
                }
                be.xor(z, e, z);
                // G = G_hi XOR P_hi G_lo;  P = P_hi P_lo
                be.xor(g.slice(k, 2 * k), z.slice(0, k), g.slice(0, k));
                if (k > 1) {
                    be.copy(z.slice(k, gates), p.slice(1, k));
                }
            }
        }
    }

    /**
     * Opens XOR-shared words in place, all in one round: every party sends its shares to every peer in one frame
     * and XORs in what it receives (into {@code incoming}, of the same shapes). Each party sends
     * {@code (parties - 1) * 8 * sum(numel)} bytes. The XOR twin of {@link Comm#openAll}.
     */
    private void openXor(final RingTensor[] shares, final RingTensor[] incoming) {
        final int self = session.partyId();
        final int parties = session.parties();
        for (int peer = 0; peer < parties; peer++) {
            if (peer != self) {
                session.transport().send(peer, shares);
            }
        }
        for (int peer = 0; peer < parties; peer++) {
            if (peer != self) {
                session.transport().receive(peer, incoming);
                for (int i = 0; i < shares.length; i++) {
                    be.xor(shares[i], incoming[i], shares[i]);
                }
            }
        }
        session.stats().round();
    }

    /** Row {@code j} of a {@code [rows, w]} tensor, as a {@code [1, w]} view. */
    private static RingTensor row(final RingTensor t, final int j) {
        return t.slice(j, j + 1);
    }

    /** The bit reversal of {@code j} in {@value #GROUP_BITS} bits: the storage row of first-level group j. */
    private static int reversed(final int j) {
        return Integer.reverse(j) >>> (Integer.SIZE - GROUP_BITS);
    }
}
