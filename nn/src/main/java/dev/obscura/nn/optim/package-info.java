/** Optimisers: {@link dev.obscura.nn.optim.Sgd} with momentum and weight decay (PyTorch semantics). */
package dev.obscura.nn.optim;
