/** The versioned, checksummed model file ({@code docs/MODEL_FORMAT.md}) and its binding to a model's parameters. */
package dev.obscura.nn.io;
