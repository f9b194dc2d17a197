import Synchronization

/// The current catalog snapshot, swapped atomically under a short lock, and the server states
/// it is built from. Readers take the snapshot once per request and never block each other for
/// longer than a pointer copy.
public final class CatalogStore: Sendable {
    public typealias Listener = @Sendable (_ old: CatalogSnapshot, _ new: CatalogSnapshot) -> Void

    private struct State {
        var config: GatewayConfig
        var states: [String: ServerState]
        var snapshot: CatalogSnapshot
        var generation: UInt64
        var listeners: [Listener]
        var pins: ToolPins
    }

    private let state: Mutex<State>

    public init(config: GatewayConfig) {
        state = Mutex(State(config: config, states: [:], snapshot: .empty(config: config), generation: 0, listeners: [], pins: ToolPins()))
    }

    public var snapshot: CatalogSnapshot { state.withLock { $0.snapshot } }
    public var config: GatewayConfig { state.withLock { $0.config } }

    /// Called after every rebuild, outside the lock, with the previous and new snapshots.
    public func onChange(_ listener: @escaping Listener) {
        state.withLock { $0.listeners.append(listener) }
    }

    /// Records a server's new state and rebuilds the snapshot if anything changed.
    public func update(server: String, to newState: ServerState) {
        rebuild { s in
            guard s.config.server(named: server) != nil, s.states[server] != newState else { return false }
            s.states[server] = newState
            return true
        }
    }

    /// The approved definitions of pinned servers' tools.
    public var pins: ToolPins { state.withLock { $0.pins } }

    /// Swaps in new pins (loaded from the pin file, or an approval) and rebuilds.
    public func replacePins(_ pins: ToolPins) {
        rebuild { s in
            guard s.pins != pins else { return false }
            s.pins = pins
            return true
        }
    }

    /// Swaps in a new configuration (live reload): states of removed servers are dropped.
    public func replaceConfig(_ config: GatewayConfig) {
        rebuild { s in
            s.config = config
            let names = Set(config.servers.map(\.name))
            s.states = s.states.filter { names.contains($0.key) }
            return true
        }
    }

    private func rebuild(_ change: (inout State) -> Bool) {
        let result: (CatalogSnapshot, CatalogSnapshot, [Listener])? = state.withLock { s in
            guard change(&s) else { return nil }
            s.generation += 1
            let old = s.snapshot
            s.snapshot = CatalogSnapshot(generation: s.generation, config: s.config, states: s.states, pins: s.pins)
            return (old, s.snapshot, s.listeners)
        }
        if let (old, new, listeners) = result {
            for l in listeners { l(old, new) }
        }
    }
}
