/// The two shapes of MCP on HTTP: the handshake era (`initialize`, `Mcp-Session-Id`,
/// 2024-11-05 … 2025-11-25) and the sessionless 2026-07-28 revision.
public enum ProtocolEra: Sendable, Equatable {
    case handshake
    case modern

    public static let handshakeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
    public static let modernVersions = ["2026-07-28"]
    public static let latestHandshake = "2025-11-25"
    public static let latestModern = "2026-07-28"
    /// What a handshake-era server assumes when no `MCP-Protocol-Version` header is sent.
    public static let defaultNegotiated = "2025-03-26"

    /// Classifies a request by its `MCP-Protocol-Version` header, as the reference SDK does:
    /// none or a handshake version → handshake; anything else → modern (which then validates it).
    public static func of(protocolVersionHeader header: String?) -> ProtocolEra {
        guard let header, !header.isEmpty else { return .handshake }
        return handshakeVersions.contains(header) ? .handshake : .modern
    }

    /// The version a handshake server answers to an `initialize` offering `requested`.
    public static func negotiate(_ requested: String?) -> String {
        if let requested, handshakeVersions.contains(requested) { return requested }
        return latestHandshake
    }
}
