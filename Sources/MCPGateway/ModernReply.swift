import JSONWire

/// What a handshake-era server's messages become for a 2026-07-28 client (the bridge's way back):
/// results gain `resultType` (and the cache hints `resources/read` must carry), error codes the
/// modern revision removed are mapped, server→client requests become `inputRequests` of an
/// `InputRequiredResult`, and log messages reach only a request that asked for them.
public enum ModernReply {
    /// One server→client request of the backend call, as the client sees it in `inputRequests`.
    public struct InputRequest: Sendable, Equatable {
        /// The key in `inputRequests`/`inputResponses` (the gateway's, per call).
        public var key: String
        public var method: String
        /// `params`, raw JSON (`{}` when the server sent none).
        public var params: [UInt8]
        /// The server's own id for it, raw JSON: the client's answer goes back under it.
        public var backendID: [UInt8]

        public init(key: String, method: String, params: [UInt8], backendID: [UInt8]) {
            self.key = key
            self.method = method
            self.params = params
            self.backendID = backendID
        }
    }

    /// The methods a handshake server may ask a client during a call that have a 2026-07-28
    /// `inputRequests` form.
    public static let inputMethods: Set<String> = ["elicitation/create", "sampling/createMessage", "roots/list"]
    /// The client capability a server→client request needs (`elicitation/create` → `elicitation`).
    public static func capability(for method: String) -> String? {
        switch method {
        case "elicitation/create": "elicitation"
        case "sampling/createMessage": "sampling"
        case "roots/list": "roots"
        default: nil
        }
    }

    /// The error a 2026-07-28 client gets when `server` asks it for what it did not declare (as a
    /// 2026-07-28 server would answer: -32021 with the capability it needs).
    public static func undeclared(_ capability: String, server: String) -> JSONRPCError {
        JSONRPCError(code: -32021, message: "MCP server \"\(server)\" asked the client for \(capability), which the client did not declare "
                                            + "in io.modelcontextprotocol/clientCapabilities",
                     dataJSON: "{\"server\":\(JSONText.string(server)),\"requiredCapabilities\":{\(JSONText.string(capability)):{}}}")
    }

    /// Result members a 2026-07-28 result owns (a server's own values are replaced).
    static let modernResultMembers: Set<String> = ["resultType", "ttlMs", "cacheScope"]

    /// The server's response to the bridged call as the modern client's reply to its request
    /// `clientID` (the latest retry's id). nil if `message` is not a response.
    public static func complete(_ message: JSONRPCRequest, method: String, clientID: [UInt8]) -> [UInt8]? {
        guard message.kind == .response else { return nil }
        let scanner = message.scanner
        if let error = scanner.lastMember(named: "error", in: scanner.root), let members = scanner.objectMembers(of: error) {
            var w = JSONWriter(reservingCapacity: message.body.count + 16)
            w.beginObject()
            w.key("jsonrpc"); w.string("2.0")
            w.key("id"); w.raw(clientID)
            w.key("error"); w.beginObject()
            for (key, value) in members {
                w.key(key)
                // -32002 (resource not found) is gone in 2026-07-28: invalid params.
                if key == "code", scanner.int(at: value) == -32002 { w.number(JSONRPCError.invalidParamsCode) } else { w.raw(scanner.bytes[value]) }
            }
            w.endObject()
            w.endObject()
            return w.bytes
        }
        let result = scanner.lastMember(named: "result", in: scanner.root)
        return JSONRPCReply.result(id: clientID[...]) { w in
            w.beginObject()
            for (key, value) in result.flatMap(scanner.objectMembers(of:)) ?? [] where !modernResultMembers.contains(key) {
                w.key(key); w.raw(scanner.bytes[value])
            }
            w.key("resultType"); w.string("complete")
            if method == "resources/read" {
                // Required on this result; a handshake server gives no hint: not cacheable, per caller.
                w.key("ttlMs"); w.number(0)
                w.key("cacheScope"); w.string("private")
            }
            w.endObject()
        }
    }

    /// A server→client request as an input request (nil for another kind of message).
    public static func inputRequest(_ message: JSONRPCRequest, key: String) -> InputRequest? {
        guard message.kind == .request, let id = message.rawID else { return nil }
        return InputRequest(key: key, method: message.method, params: message.paramsRange.map { Array(message.scanner.bytes[$0]) } ?? Array("{}".utf8),
                            backendID: Array(id))
    }

    /// `InputRequiredResult` for the client's request `clientID`: the requests to answer and the
    /// sealed `requestState` to echo on the retry.
    public static func inputRequired(clientID: [UInt8], requests: [InputRequest], requestState: String) -> [UInt8] {
        JSONRPCReply.result(id: clientID[...]) { w in
            w.beginObject()
            w.key("resultType"); w.string("input_required")
            w.key("inputRequests"); w.beginObject()
            for request in requests {
                w.key(request.key); w.beginObject()
                w.key("method"); w.string(request.method)
                w.key("params"); w.raw(request.params)
                w.endObject()
            }
            w.endObject()
            w.key("requestState"); w.string(requestState)
            w.endObject()
        }
    }

    /// The client's input response, as the JSON-RPC response the waiting server expects.
    public static func answer(backendID: [UInt8], value: [UInt8]) -> [UInt8] {
        JSONRPCReply.result(id: backendID[...]) { w in w.raw(value) }
    }

    /// `notifications/cancelled` for the bridged call's backend request.
    public static func cancel(backendID: [UInt8], reason: String) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 128)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("method"); w.string("notifications/cancelled")
        w.key("params"); w.beginObject(); w.key("requestId"); w.raw(backendID); w.key("reason"); w.string(reason); w.endObject()
        w.endObject()
        return w.bytes
    }

    /// Whether a server notification during the call reaches a 2026-07-28 client: progress does;
    /// a log message only at or above the level the request asked for (none asked: none sent, as
    /// a 2026-07-28 server does); list changes and resource updates belong to listen streams.
    public static func passes(_ notification: JSONRPCRequest, logLevel: String?) -> Bool {
        switch notification.method {
        case "notifications/progress":
            return true
        case "notifications/message":
            let levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
            guard let logLevel, let floor = levels.firstIndex(of: logLevel),
                  let level = notification.stringParam("level"), let at = levels.firstIndex(of: level) else { return false }
            return at >= floor
        default:
            return false
        }
    }
}
