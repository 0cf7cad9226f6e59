/**
 * The model file ({@code docs/MODEL_FORMAT.md}): {@link dev.obscura.nn.io.ModelFileDescriptor} is its byte layout,
 * {@link dev.obscura.nn.io.ModelFile} reads and writes it (streaming, checked before the body is read),
 * {@link dev.obscura.nn.io.ModelData} is what it holds, and {@link dev.obscura.nn.io.ModelBinding} binds that to a
 * model's parameters on any engine.
 */
package dev.obscura.nn.io;
