/**
 * Protocol suites over secret-shared {@link dev.obscura.ring.RingTensor}s. Each suite is one package here
 * (the additive dealer suite comes with sessions and the dealer); suites depend only on {@code obscura-api}.
 */
package dev.obscura.protocols;
