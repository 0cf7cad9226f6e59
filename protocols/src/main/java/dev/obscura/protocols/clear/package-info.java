/**
 * The clear suite: FRESCO's "dummy" suite for Obscura. Every party holds every value in the clear, so it has NO
 * security at all; it exists to debug a program (the values are there to look at, and nothing but an input costs a
 * message) and as the smallest worked example of a protocol suite: {@link dev.obscura.protocols.clear.ClearSuite}
 * and the primitives it hands out, checked by the same conformance harness as the additive suite
 * ({@code docs/EXTENDING.md} walks through it).
 */
package dev.obscura.protocols.clear;
