/**
 * Layers ({@link dev.obscura.nn.layers.Module}): linear, 2-D convolution, ReLU, max and average pooling, flatten,
 * and {@link dev.obscura.nn.layers.Sequential} to chain them; {@link dev.obscura.nn.layers.Init} draws initial
 * weights in plaintext.
 */
package dev.obscura.nn.layers;
