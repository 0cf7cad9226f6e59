/**
 * Secure aggregation: a server learns the sum of many clients' updates and nothing else, as a transport-independent
 * protocol core. Roles are state machines driven by the caller; messages are
 * {@link dev.obscura.federated.secagg.SecAggMessage}s that any transport carries as bytes.
 *
 * <p>Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (CCS 2017), semi-honest
 * version: {@link dev.obscura.federated.secagg.SecAggClient} and {@link dev.obscura.federated.secagg.SecAggServer};
 * one untrusted server, pairwise masks that cancel in the sum, dropouts recovered from Shamir-shared secrets while at
 * least {@code t} clients remain. It outputs an {@link dev.obscura.federated.secagg.AggregationResult}: the sum over
 * Z_2^64 of fixed-point encoded updates, exact. {@link dev.obscura.federated.secagg.SecAggCosts} states its bytes as
 * formulas.
 */
package dev.obscura.federated.secagg;
