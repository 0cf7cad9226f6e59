package dev.obscura.network.rpc;

/**
 * One request that reached a service.
 *
 * @param caller  the common name of the caller's certificate, checked against the service's callers
 * @param id      the request id, unique among the caller's requests in flight on its connection
 * @param payload the application's request (the service owns the array and may zero it once read)
 */
public record RpcRequest(String caller, long id, byte[] payload) {
    @Override
    public String toString() {
        return "RpcRequest[caller=" + caller + ", id=" + id + ", bytes=" + payload.length + "]";
    }
}
