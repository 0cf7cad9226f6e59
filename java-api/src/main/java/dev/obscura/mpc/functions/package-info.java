/**
 * Functions on secret-shared tensors that every protocol suite shares, written only against
 * {@link dev.obscura.mpc.SecureOps} (never against a suite): {@code SecureOps} delegates to them, so a new suite
 * gets them by implementing its {@link dev.obscura.mpc.SecurePrimitives}.
 *
 * <ul>
 *   <li>{@link dev.obscura.mpc.functions.Pooling}: the exact elementwise maximum, 2-D max-pooling with its one-hot
 *       argmax mask, and the one-hot argmax, each a knockout tournament whose levels batch all their comparisons
 *       into one call.</li>
 *   <li>{@link dev.obscura.mpc.functions.Approximations}: {@code e^x}, {@code 1/x} and softmax, with their domains,
 *       error bounds (as public constants) and behaviour outside the domain stated.</li>
 * </ul>
 *
 * <p>Besides the operations, the functions only re-index each party's own share (gathering windows, concatenating
 * tensors so that one call serves a whole level, transposing): a local linear map, which commutes with additive
 * sharing and reveals nothing. No function opens a value.
 */
package dev.obscura.mpc.functions;
