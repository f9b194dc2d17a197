import JSONWire

/// What an operator changes about one of a server's tools without touching the server
/// (`servers[].tools.overrides.<tool>`): the name clients see, the description, or whether it
/// is listed at all.
public struct ToolOverride: Sendable, Equatable {
    /// The public name, used as is (no prefix added); checked at load time.
    public var name: String?
    /// Replaces the server's description, in both eras' lists.
    public var description: String?
    /// Not listed, still callable by its public name (policy and rate limits apply as usual): a
    /// tool being retired keeps working for callers that know it. To refuse it, deny it.
    public var hidden: Bool

    public init(name: String? = nil, description: String? = nil, hidden: Bool = false) {
        self.name = name
        self.description = description
        self.hidden = hidden
    }

    /// The tool's JSON as listed, with the description replaced (or added) when overridden.
    func apply(to tool: JSONValue) -> JSONValue {
        guard let description, case .object(var members) = tool else { return tool }
        if let i = members.lastIndex(where: { $0.key == "description" }) {
            members[i].value = .string(description)
        } else {
            members.append((key: "description", value: .string(description)))
        }
        return .object(members)
    }
}

/// Public tool names that fit a length limit: some model providers refuse tools whose names are
/// longer than 64 characters, and a prefix can push a server's names past it.
public enum ToolNameLength {
    /// A name longer than `limit` is cut to `limit - 9` characters plus `_` and 8 hex digits of
    /// the SHA-256 of the whole name: the same on every replica and restart, and two long names
    /// that share their beginning still differ (a clash of the digests would show as a collision).
    public static func fitted(_ name: String, limit: Int) -> String {
        guard name.utf8.count > limit, limit > 9 else { return name }
        let head = String(decoding: name.utf8.prefix(limit - 9), as: UTF8.self)
        return head + "_" + Hex.encode(SHA256Digest.hash(Array(name.utf8)).prefix(4))
    }
}
