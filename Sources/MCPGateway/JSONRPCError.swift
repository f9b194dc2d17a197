/// A JSON-RPC error the gateway answers with, and the HTTP status it travels under.
///
/// The status depends on the client's era: the handshake era carries most JSON-RPC errors in a
/// 200 body, while 2026-07-28 maps codes to statuses (-32700/-32600/-32602/-3202x → 400,
/// -32601 → 404). Transport-level problems (bad session, too large) have fixed statuses.
public struct JSONRPCError: Error, Sendable, Equatable {
    public var code: Int
    public var message: String
    /// Pre-encoded JSON for `error.data`, if any.
    public var dataJSON: String?
    /// A status forced regardless of era (e.g. 404 for an unknown session, 413 too large).
    public var fixedHTTPStatus: Int?

    public init(code: Int, message: String, dataJSON: String? = nil, fixedHTTPStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.dataJSON = dataJSON
        self.fixedHTTPStatus = fixedHTTPStatus
    }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603

    public static func parseError(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: parseErrorCode, message: "Parse error: \(detail)", fixedHTTPStatus: 400)
    }
    public static func invalidRequest(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: invalidRequestCode, message: "Invalid Request: \(detail)", fixedHTTPStatus: 400)
    }
    public static func methodNotFound(_ method: String) -> JSONRPCError {
        JSONRPCError(code: methodNotFoundCode, message: "Method not found", dataJSON: JSONText.string(method))
    }
    public static func invalidParams(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: invalidParamsCode, message: detail)
    }
    public static func unknownTool(_ name: String) -> JSONRPCError {
        JSONRPCError(code: invalidParamsCode, message: "Unknown tool: \(name)")
    }
    /// The caller is authenticated but its policy does not grant this.
    public static func forbidden(_ what: String) -> JSONRPCError {
        JSONRPCError(code: invalidParamsCode, message: "Forbidden: \(what) is not allowed for this caller",
                     dataJSON: "{\"reason\":\"forbidden\"}")
    }
    public static func missingSession() -> JSONRPCError {
        JSONRPCError(code: invalidRequestCode, message: "Bad Request: Missing session ID", fixedHTTPStatus: 400)
    }
    public static func unknownSession() -> JSONRPCError {
        JSONRPCError(code: -32001, message: "Session not found", fixedHTTPStatus: 404)
    }
    /// A bounded queue of the gateway's own is full (SECURITY.md lists them): 503, retry shortly.
    public static func busy(_ what: String) -> JSONRPCError {
        JSONRPCError(code: internalErrorCode, message: "Service Unavailable: too many \(what) in progress; retry shortly", fixedHTTPStatus: 503)
    }
    public static func tooLarge(limit: Int) -> JSONRPCError {
        JSONRPCError(code: invalidRequestCode, message: "Request body exceeds the limit of \(limit) bytes", fixedHTTPStatus: 413)
    }
    /// A pinned tool whose server changed its definition since it was approved (`pinning`).
    public static func toolChanged(_ name: String, server: String) -> JSONRPCError {
        JSONRPCError(code: invalidParamsCode,
                     message: "Tool \(name) changed on server \"\(server)\" since it was approved; an operator must approve the new definition",
                     dataJSON: "{\"reason\":\"tool_changed\",\"server\":\(JSONText.string(server))}")
    }
    public static func serverUnavailable(_ server: String, _ why: String) -> JSONRPCError {
        JSONRPCError(code: internalErrorCode, message: "MCP server \"\(server)\" is unavailable: \(why)",
                     dataJSON: "{\"server\":\(JSONText.string(server))}")
    }

    public func httpStatus(era: ProtocolEra) -> Int {
        if let fixedHTTPStatus { return fixedHTTPStatus }
        guard era == .modern else { return 200 }
        switch code {
        case Self.parseErrorCode, Self.invalidRequestCode, Self.invalidParamsCode, -32020, -32021, -32022: return 400
        case Self.methodNotFoundCode: return 404
        default: return 200
        }
    }
}
