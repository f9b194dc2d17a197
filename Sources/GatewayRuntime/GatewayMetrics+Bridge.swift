import MCPGateway
import Observability
import Upstreams

extension GatewayMetrics {
    /// Gauges of the bridge (2026-07-28 clients → handshake-era servers): backend calls held, and
    /// those parked waiting for the client's retry (bounded by `limits.maxBridgedCalls` and
    /// `limits.bridgedCallWaitSeconds`).
    func watch(bridge: CallBridge) {
        let held = registry.gauge("mcp_bridged_calls", help: "Bridged calls (2026-07-28 client to handshake-era server) the gateway holds now.")
        let pending = registry.gauge("mcp_bridged_calls_pending", help: "Bridged calls waiting for the client's retry after an InputRequiredResult.")
        registry.onCollect {
            held.set(bridge.held)
            pending.set(bridge.parked)
        }
    }

    /// Resource subscriptions handshake-era sessions hold on 2026-07-28-only servers (bounded by
    /// `limits.maxBridgedSubscriptionsPerSession` and `limits.maxBridgedSubscriptions`).
    func watch(subscriptions: BridgedSubscriptions) {
        let held = registry.gauge("mcp_bridged_subscriptions", help: "Resource subscriptions of handshake-era sessions to 2026-07-28-only servers the gateway holds now.")
        registry.onCollect { held.set(subscriptions.total) }
    }
}
