/**
 * Training and inference loops written once over {@link dev.obscura.nn.engine.TensorEngine}: the
 * {@link dev.obscura.nn.train.Trainer} (SGD steps and epochs), the {@link dev.obscura.nn.train.Classifier} (batched
 * prediction), and the {@link dev.obscura.nn.train.EpochOrder} of the data. The plaintext and secure paths differ only
 * in the engines and the {@link dev.obscura.nn.engine.Reveal} passed in; in a secure run every party runs the same
 * loop (SPMD), the data owner on the real {@link dev.obscura.data.LabelledImages} and every other party on
 * {@link dev.obscura.data.LabelledImages#withheld}. {@link dev.obscura.nn.train.LayerRanges} measures, in plaintext,
 * whether a model's layers stay within the range a secure run computes exactly.
 */
package dev.obscura.nn.train;
