/** Ready-made networks: {@link dev.obscura.nn.models.MnistCnn}, the LeNet-style network of the secure-ML literature. */
package dev.obscura.nn.models;
