import HTTPHeaderText

/// A request refused at the door, before any routing: the caller could not be authenticated, is
/// granted nothing, or its token could not be reviewed.
///
/// Decided here (or by the token check, which maps its outcome to one of these) and only
/// translated by the adapters: ext_authz turns it into a denied `CheckResponse`, ext_proc into an
/// `ImmediateResponse`. Both placements therefore answer a caller with the same status, the same
/// headers and the same JSON-RPC body.
public enum Rejection: Sendable, Equatable {
    /// No token, or one that failed review: 401 with the RFC 6750 challenge. `error` is the
    /// challenge's `error` parameter (`invalid_token`, or nil when no token was presented).
    case unauthenticated(error: String?, detail: String)
    /// Authenticated, but the policy grants this caller no server at all: 403.
    case forbidden
    /// The token reviewer could not be asked (down, slow): 503 with Retry-After, never an allow.
    case reviewerUnavailable

    /// The JSON-RPC error code the body carries.
    public static let unauthorizedCode = -32001

    public var status: Int {
        switch self {
        case .unauthenticated: 401
        case .forbidden: 403
        case .reviewerUnavailable: 503
        }
    }

    /// The reply, whichever adapter sends it. `auth` supplies the challenge's `resource_metadata`
    /// (from the config only, never from the request's Host: see `ProtectedResource`) and scopes.
    public func reply(auth: AuthConfig?) -> LocalReply {
        switch self {
        case .unauthenticated(let error, let detail):
            let body = JSONRPCReply.error(id: nil, JSONRPCError(code: Self.unauthorizedCode, message: "Unauthorized: \(detail)"))
            return LocalReply(status: 401, body: body, headers: [("www-authenticate", Self.challenge(auth, error: error, detail: detail))])
        case .forbidden:
            let body = JSONRPCReply.error(id: nil, JSONRPCError(code: Self.unauthorizedCode,
                                                                 message: "Forbidden: this caller is not granted any MCP server"))
            return LocalReply(status: 403, body: body)
        case .reviewerUnavailable:
            let body = JSONRPCReply.error(id: nil, JSONRPCError(code: JSONRPCError.internalErrorCode,
                                                                 message: "Service Unavailable: the token reviewer cannot be reached; retry later"))
            return LocalReply(status: 503, body: body, headers: [("retry-after", "5")])
        }
    }

    /// The RFC 6750 challenge. `detail` can quote the caller's own token (its `alg`, its `kid`), so
    /// every parameter is built by `HeaderText.quoted`: no CR/LF to split the response, no `"` or `\`
    /// to end the quoted-string and forge another parameter.
    static func challenge(_ auth: AuthConfig?, error: String?, detail: String) -> String {
        var params: [String] = []
        if let url = auth?.metadataURL { params.append("resource_metadata=\(HeaderText.quoted(url))") }
        if let error { params += ["error=\(HeaderText.quoted(error))", "error_description=\(HeaderText.quoted(detail))"] }
        if let scopes = auth?.scopes, !scopes.isEmpty { params.append("scope=\(HeaderText.quoted(scopes.joined(separator: " ")))") }
        return params.isEmpty ? "Bearer" : "Bearer " + params.joined(separator: ", ")
    }
}
