/**
 * The client of Obscura's encrypted inference service: {@link dev.obscura.client.ObscuraClient} secret-shares images
 * between the compute parties over mutual TLS and reconstructs the logits; {@link dev.obscura.client.InferenceWire}
 * is the service's message format. Pure Java.
 */
package dev.obscura.client;
