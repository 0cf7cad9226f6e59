/**
 * Secure aggregation: a server (or a set of aggregators) learns the sum of many clients' updates and nothing else,
 * as transport-independent protocol cores. Roles are state machines driven by the caller; messages are
 * {@link dev.obscura.federated.secagg.SecAggMessage}s that any transport carries as bytes.
 *
 * <p>Two routes (see {@code docs/SECURE_AGGREGATION.md} for when to pick which):
 * <ul>
 *   <li>Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (CCS 2017),
 *       semi-honest version: {@link dev.obscura.federated.secagg.SecAggClient} and
 *       {@link dev.obscura.federated.secagg.SecAggServer}; one untrusted server, pairwise masks that cancel in the
 *       sum, dropouts recovered from Shamir-shared secrets while at least {@code t} clients remain.</li>
 *   <li>Additive sharing among {@code k >= 2} non-colluding aggregators:
 *       {@link dev.obscura.federated.secagg.AdditiveSharer},
 *       {@link dev.obscura.federated.secagg.AdditiveAggregator} and
 *       {@link dev.obscura.federated.secagg.AdditiveCombiner}; one client message, no keys.</li>
 * </ul>
 * Both output an {@link dev.obscura.federated.secagg.AggregationResult}: the sum over Z_2^64 of fixed-point encoded
 * updates, exact. {@link dev.obscura.federated.secagg.SecAggCosts} states the bytes of both as formulas.
 */
package dev.obscura.federated.secagg;
