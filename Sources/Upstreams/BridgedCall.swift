import JSONWire
import MCPGateway
import Synchronization

/// The client request a bridged call answers now: a 2026-07-28 POST (the first or a retry).
struct BridgeSink: BridgeWaiter {
    let id: UInt64
    /// The request's JSON-RPC id (each retry has its own).
    let clientID: [UInt8]
    let logLevel: String?
    let progressToken: [UInt8]?
    /// SSE bytes to the client; `finish` ends its reply.
    let send: @Sendable ([UInt8]) -> Void
    let finish: @Sendable () -> Void
}

/// One backend call of the bridge, as `CallBridge` holds it: its state (`BridgedCallState`)
/// under a lock, the backend session it runs on and what stops its exchange.
final class BridgedCall: Sendable {
    let key: String
    let server: String
    let method: String
    let target: String
    /// The gateway's id for the backend request: unique, so two clients' calls on one backend
    /// session never collide (each SDK client numbers its requests from 0).
    let backendID: [UInt8]
    /// The backend session was opened for this call alone (anonymous caller): ended with it.
    let ownSession: Bool

    struct Runtime: Sendable {
        var call = BridgedCallState<BridgeSink>()
        var backendSession = ""
        var stop: (@Sendable () -> Void)?
    }

    let state = Mutex(Runtime())

    /// What the client declared it can be asked (`elicitation`, `sampling`, `roots`).
    let declared: Set<String>

    init(key: String, server: String, method: String, target: String, ownSession: Bool, declared: Set<String>) {
        self.key = key
        self.declared = declared
        self.server = server
        self.method = method
        self.target = target
        self.ownSession = ownSession
        backendID = Array(JSONWriter.quoted("mcpgw-bridge-\(key)").utf8)
    }

    var backendSession: String { state.withLock { $0.backendSession } }

    func update<T>(_ body: (inout BridgedCallState<BridgeSink>) -> T) -> T {
        state.withLock { body(&$0.call) }
    }
}
