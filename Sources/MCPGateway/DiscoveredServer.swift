import JSONWire

/// What the gateway learned from one MCP server on its last successful refresh: its entries as
/// the server described them, unprefixed, plus which protocol eras it speaks.
public struct DiscoveredServer: Sendable, Equatable {
    public var name: String
    public var tools: [JSONValue]
    public var prompts: [JSONValue]
    public var resources: [JSONValue]
    public var resourceTemplates: [JSONValue]
    public var instructions: String?
    public var speaksHandshake: Bool
    public var speaksModern: Bool
    /// The server supports `resources/subscribe` (capabilities.resources.subscribe).
    public var subscribes: Bool = false
    /// The server supports 2025-11-25 tasks (capabilities.tasks).
    public var tasks: Bool = false
    /// The lists as the server gives them to 2026-07-28 clients, by list key (`tools`, `prompts`,
    /// `resources`, `resourceTemplates`), when it speaks that revision: entries can differ by
    /// revision (e.g. `execution.taskSupport` exists only before 2026-07-28), and each era's
    /// clients see what the server lists for their era. Empty: the same as the handshake lists.
    public var modernLists: [String: [JSONValue]] = [:]

    /// The revisions the server answered discovery in, for logs and the admin surface:
    /// `handshake`, `2026-07-28` or `handshake+2026-07-28`.
    public var eras: String {
        [speaksHandshake ? "handshake" : nil, speaksModern ? ProtocolEra.latestModern : nil].compactMap { $0 }.joined(separator: "+")
    }

    public init(name: String, tools: [JSONValue] = [], prompts: [JSONValue] = [], resources: [JSONValue] = [],
                resourceTemplates: [JSONValue] = [], instructions: String? = nil, speaksHandshake: Bool = true,
                speaksModern: Bool = false) {
        self.name = name
        self.tools = tools
        self.prompts = prompts
        self.resources = resources
        self.resourceTemplates = resourceTemplates
        self.instructions = instructions
        self.speaksHandshake = speaksHandshake
        self.speaksModern = speaksModern
    }
}

/// A server's place in the catalog: serving entries, stale (failing, its last good entries still
/// listed with a marker for `catalog.staleSeconds`, calls refused), or down (entries withdrawn).
public enum ServerState: Sendable, Equatable {
    case up(DiscoveredServer)
    /// `since`: Unix seconds when it went stale; `reason`: the last failure.
    case stale(DiscoveredServer, since: Double, reason: String)
    case down(reason: String)
    case pending

    /// The entries this state lists: the live ones, or the last good ones while stale.
    public var listed: DiscoveredServer? {
        switch self {
        case .up(let found), .stale(let found, _, _): found
        case .down, .pending: nil
        }
    }

    /// `pending`, `up`, `stale` or `down`, as the admin endpoint and metrics name it.
    public var name: String {
        switch self {
        case .up: "up"
        case .stale: "stale"
        case .down: "down"
        case .pending: "pending"
        }
    }
}
