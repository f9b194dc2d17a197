/// The HTTP facts about an MCP request that routing depends on, taken from the request headers.
public struct MCPRequestHead: Sendable, Equatable {
    public var method: String
    public var path: String
    public var sessionID: String?
    public var protocolVersion: String?
    public var mcpMethod: String?
    public var mcpName: String?
    public var accept: String?
    /// Digest of the authenticated caller ("" if none), from the ext_authz identity.
    public var identityDigest: String

    public init(method: String, path: String, sessionID: String? = nil, protocolVersion: String? = nil, mcpMethod: String? = nil,
                mcpName: String? = nil, accept: String? = nil, identityDigest: String = "") {
        self.method = method
        self.path = path
        self.sessionID = sessionID
        self.protocolVersion = protocolVersion
        self.mcpMethod = mcpMethod
        self.mcpName = mcpName
        self.accept = accept
        self.identityDigest = identityDigest
    }

    public var era: ProtocolEra { ProtocolEra.of(protocolVersionHeader: protocolVersion) }

    /// The path without a query string or trailing slash, to compare with the configured one.
    public var normalizedPath: String {
        var p = path
        if let q = p.firstIndex(of: "?") { p = String(p[..<q]) }
        if p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
