import Dispatch
import HTTPClient
import MCPGateway
import WorkPool

/// Sends a forwarded request straight to its server, bypassing Envoy: used only to recover
/// transparently when a server forgot a backend session mid-conversation.
public struct DirectForwarder: Sendable {
    let http: HTTPClient
    /// Blocking re-sends (response phase only): bounded, refused with an error when full.
    private static let pool = BlockingWorkPool(name: "direct-forward", threads: 8, maxPending: 256)

    public init(http: HTTPClient) {
        self.http = http
    }

    public struct Reply: Sendable {
        public let status: Int
        public let contentType: String
        public let body: [UInt8]
    }

    public func send(_ plan: ForwardPlan, backendSession: String,
                     completion: @escaping @Sendable (Result<Reply, JSONRPCError>) -> Void) {
        let submitted = Self.pool.submit { [http] in
            var headers: [(String, String)] = [("accept", "application/json, text/event-stream"), ("content-type", "application/json"),
                                               ("mcp-protocol-version", plan.clientSession?.protocolVersion ?? ProtocolEra.latestHandshake)]
            if !backendSession.isEmpty { headers.append(("mcp-session-id", backendSession)) }
            if let c = plan.server.credential { headers.append((c.header, c.value)) }
            do {
                let request = try HTTPRequest(method: "POST", url: plan.server.url, headers: headers, body: plan.body)
                let response = try http.send(request, timeout: plan.server.timeoutSeconds)
                completion(.success(Reply(status: response.status, contentType: response.header("content-type") ?? "application/json",
                                          body: response.body)))
            } catch {
                completion(.failure(.serverUnavailable(plan.server.name, "\(error)")))
            }
        }
        if !submitted { completion(.failure(.serverUnavailable(plan.server.name, "too many direct re-sends in progress"))) }
    }
}
