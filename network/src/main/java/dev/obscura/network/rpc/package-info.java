/**
 * Client-server calls over mutual TLS 1.3, for services that callers reach by name (a worker holding tensors,
 * later the inference service): {@link dev.obscura.network.rpc.RpcServer} answers requests of authenticated callers
 * through an {@link dev.obscura.network.rpc.RpcHandler}; {@link dev.obscura.network.rpc.RpcClient} sends requests
 * with ids and a time-out each. The frame layout is {@link dev.obscura.network.rpc.RpcFrameDescriptor}; TLS is the
 * transport's ({@link dev.obscura.network.Tls}), with each end identified by its certificate's common name.
 */
package dev.obscura.network.rpc;
