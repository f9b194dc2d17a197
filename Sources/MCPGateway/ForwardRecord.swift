/// What the gateway knows about a request it let Envoy forward, in a form Envoy can carry: ext_proc
/// writes it as dynamic metadata (namespace `mcp.gateway`), Envoy's route maps the session id back
/// from it, its local-reply mapper names the server and echoes the id from it, and its access log
/// hands it back to the gateway with the outcome, for metrics, audit and backend-session upkeep.
///
/// This is what lets forwarded calls skip the ext_proc response phase: one gRPC message less each
/// way per call, with the response side handled by Envoy's own mechanisms.
public struct ForwardRecord: Sendable, Equatable {
    public static let metadataNamespace = "mcp.gateway"

    public var server: String
    public var rpcMethod: String
    /// Public (prefixed) tool name for tools/call, "" otherwise.
    public var tool: String
    /// The client's Mcp-Session-Id, which Envoy puts back on the response ("" when sessionless).
    public var clientSession: String
    /// Non-reversible reference to the client session, for the audit line.
    public var sessionRef: String
    /// The server's own session id the request carried ("" when none), so a 404 for it can be noticed.
    public var backendSession: String
    /// The JSON-RPC id exactly as the client wrote it (raw JSON), for error bodies Envoy writes.
    public var rawID: String
    public var argumentNames: [String]
    /// The backend session was opened for this request alone (a sessionless anonymous call): the
    /// gateway ends it when the access log reports the call's end.
    public var endsBackendSession = false
    /// The caller, when the gateway itself authenticated it (token reviewed in ext_proc): the access
    /// log's only way to know it. With ext_authz in front its own metadata says who called.
    public var caller: CallerIdentity?

    public init(server: String, rpcMethod: String, tool: String = "", clientSession: String = "",
                sessionRef: String = "", backendSession: String = "", rawID: String = "null", argumentNames: [String] = [],
                endsBackendSession: Bool = false) {
        self.server = server
        self.rpcMethod = rpcMethod
        self.tool = tool
        self.clientSession = clientSession
        self.sessionRef = sessionRef
        self.backendSession = backendSession
        self.rawID = rawID
        self.argumentNames = argumentNames
        self.endsBackendSession = endsBackendSession
    }

    public init(plan: ForwardPlan, backendSession: String?) {
        self.init(server: plan.server.name, rpcMethod: plan.rpcMethod,
                  tool: plan.rpcMethod == "tools/call" ? plan.publicName : "",
                  clientSession: plan.era == .handshake ? plan.clientSession?.token ?? "" : "",
                  sessionRef: plan.clientSession?.auditReference ?? "", backendSession: backendSession ?? "",
                  rawID: plan.rawID.isEmpty ? "null" : String(decoding: plan.rawID, as: UTF8.self),
                  argumentNames: plan.argumentNames, endsBackendSession: plan.sessionless == .perCall)
    }

    /// Flat string fields (the keys the shipped Envoy configs name).
    public var fields: [(String, String)] {
        var out: [(String, String)] = [("server", server), ("method", rpcMethod), ("id", rawID)]
        if !tool.isEmpty { out.append(("tool", tool)) }
        if !clientSession.isEmpty { out.append(("session", clientSession)) }
        if !sessionRef.isEmpty { out.append(("session_ref", sessionRef)) }
        if !backendSession.isEmpty { out.append(("backend_session", backendSession)) }
        if !argumentNames.isEmpty { out.append(("args", argumentNames.joined(separator: ","))) }
        if endsBackendSession { out.append(("ephemeral", "1")) }
        if let caller {
            out.append(("caller", caller.subject))
            out.append(("caller_method", caller.method))
            if let sa = caller.serviceAccount { out.append(("caller_sa", sa)) }
        }
        return out
    }

    /// Reads the fields back (from an access log entry); nil when this was not a forwarded request.
    public init?(fields: (String) -> String?) {
        guard let server = fields("server"), !server.isEmpty, let method = fields("method") else { return nil }
        let args = fields("args") ?? ""
        self.init(server: server, rpcMethod: method, tool: fields("tool") ?? "",
                  clientSession: fields("session") ?? "", sessionRef: fields("session_ref") ?? "",
                  backendSession: fields("backend_session") ?? "", rawID: fields("id") ?? "null",
                  argumentNames: args.isEmpty ? [] : args.split(separator: ",").map(String.init),
                  endsBackendSession: fields("ephemeral") == "1")
        if let subject = fields("caller"), let method = fields("caller_method") {
            caller = CallerIdentity(subject: subject, serviceAccount: fields("caller_sa"), method: method)
        }
    }
}

extension ForwardRecord {
    /// The audit/metrics outcome of a forwarded request from what Envoy saw.
    public static func outcome(status: Int, serverUnreachable: Bool, timedOut: Bool) -> String {
        if timedOut || status == 504 { return "timeout" }
        if serverUnreachable { return "unavailable" }
        return (200..<300).contains(status) ? "ok" : "error"
    }
}

extension ClientSession {
    /// Names the session in audit lines without revealing the id.
    public var auditReference: String { Base64URL.encode(Array(SHA256Digest.hash(nonce).prefix(9))) }
}
