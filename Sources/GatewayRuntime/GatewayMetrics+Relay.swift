import Observability
import Upstreams

extension GatewayMetrics {
    /// Gauges for what clients make the gateway hold beyond a request: relayed calls (clients
    /// that accept server→client requests) and standalone server streams merged into clients'
    /// event streams. Both are capped (`limits.maxRelayedCalls`, `limits.maxServerStreams`).
    func watch(relay: CallRelay, serverStreams: ServerStreams) {
        let relayed = registry.gauge("mcp_relayed_calls", help: "Calls the gateway is relaying itself now (clients that accept server-to-client requests).")
        let relayedTotal = registry.counter("mcp_relayed_calls_total", help: "Calls the gateway relayed itself since it started.")
        let streams = registry.gauge("mcp_server_streams", help: "Server event streams the gateway holds open for clients now.")
        registry.onCollect {
            relayed.set(relay.running)
            relayedTotal.set(relay.total)
            streams.set(serverStreams.count)
        }
    }
}
