/// The gateway's configuration file, validated: what servers to federate and how.
///
/// Everything here is plain data so a reload can build a new value, validate it whole, and swap
/// it in atomically; nothing in it opens sockets or files.
public struct GatewayConfig: Sendable, Equatable {
    public var servers: [ServerConfig]
    public var session: SessionConfig
    public var catalog: CatalogConfig
    public var limits: LimitsConfig
    /// The MCP endpoint path clients use (default `/mcp`).
    public var mcpPath: String
    /// Identity this gateway reports in `serverInfo`.
    public var serverName: String
    /// Caller authentication (ext_authz); nil = anonymous callers accepted.
    public var auth: AuthConfig?
    /// Per-identity access to servers and tools.
    public var policy: AccessPolicy
    /// Tool-call rate limits.
    public var rateLimits: [RateLimiter.Rule] = []
    /// Audit trail: where lines go (`stdout`, or a file path) and whether argument names are kept.
    public var audit = AuditConfig()
    /// Redis shared by replicas (rate limits, revocations); nil = each replica on its own.
    public var sharedState: SharedStateConfig?
    /// How pinned servers' tools are served; required when a server sets `pin`.
    public var pinning: PinningConfig?
    /// Extra endpoints, each a subset of the catalog (`virtualServers[]`).
    public var virtualServers: [VirtualServer] = []

    /// The virtual server served at `path` (already normalized), if any.
    public func virtualServer(at path: String) -> VirtualServer? {
        virtualServers.first { $0.path == path }
    }

    /// Whether the gateway serves MCP at `path`: the main endpoint or a virtual server's.
    public func servesMCP(at path: String) -> Bool {
        path == mcpPath || virtualServer(at: path) != nil
    }

    public init(servers: [ServerConfig], session: SessionConfig = SessionConfig(), catalog: CatalogConfig = CatalogConfig(),
                limits: LimitsConfig = LimitsConfig(), mcpPath: String = "/mcp", serverName: String = "mcp-gateway",
                auth: AuthConfig? = nil, policy: AccessPolicy = AccessPolicy()) {
        self.servers = servers
        self.session = session
        self.catalog = catalog
        self.limits = limits
        self.mcpPath = mcpPath
        self.serverName = serverName
        self.auth = auth
        self.policy = policy
    }

    public func server(named name: String) -> ServerConfig? {
        servers.first { $0.name == name }
    }
}

/// One federated MCP server.
public struct ServerConfig: Sendable, Equatable {
    /// Unique, used in logs, metrics and the `x-mcp-server` routing header.
    public var name: String
    /// Prepended to its tool and prompt names (default `<name>_`).
    public var prefix: String
    /// Where the gateway itself reaches the server for discovery and session set-up.
    public var url: String {
        didSet { (authority, path) = Self.address(of: url) }
    }
    /// The Envoy cluster tool calls are routed to (default: `name`).
    public var cluster: String
    /// Credentials for the gateway's own discovery calls: a header whose value is read from a file
    /// or an environment variable at load time. Never logged.
    public var credential: Credential?
    public var toolFilter: ToolFilter
    /// Renames, description overrides and hidden tools, by the server's own tool name.
    public var toolOverrides: [String: ToolOverride] = [:]
    /// Its tools are served as approved in the pin file (`pinning`).
    public var pin = false
    /// Per-call timeout the gateway enforces on its own calls to this server.
    public var timeoutSeconds: Double
    /// Forward the client's `Authorization` header to this server (off by default: a client's
    /// token is for the gateway, not for every backend).
    public var forwardAuthorization: Bool

    /// `host:port` and path of `url`: forwarded calls carry them as `:authority` and `:path`, so a
    /// server needs no route of its own in Envoy (the dynamic forward proxy resolves it). Kept
    /// with the URL, not re-parsed per call.
    public private(set) var authority: String
    public private(set) var path: String

    static func address(of url: String) -> (authority: String, path: String) {
        let rest = url.drop(while: { $0 != ":" }).dropFirst(3)
        let p = rest.drop(while: { $0 != "/" })
        return (String(rest.prefix(while: { $0 != "/" && $0 != "?" })), p.isEmpty ? "/" : String(p))
    }

    public init(name: String, prefix: String? = nil, url: String, cluster: String? = nil, credential: Credential? = nil,
                toolFilter: ToolFilter = ToolFilter(), timeoutSeconds: Double = 30, forwardAuthorization: Bool = false) {
        self.name = name
        self.prefix = prefix ?? "\(name)_"
        self.url = url
        (self.authority, self.path) = Self.address(of: url)
        self.cluster = cluster ?? name
        self.credential = credential
        self.toolFilter = toolFilter
        self.timeoutSeconds = timeoutSeconds
        self.forwardAuthorization = forwardAuthorization
    }
}

/// A secret header for discovery calls. `description` never shows the value.
public struct Credential: Sendable, Equatable, CustomStringConvertible {
    public var header: String
    public var value: String
    public var source: String

    public init(header: String, value: String, source: String) {
        self.header = header
        self.value = value
        self.source = source
    }

    public var description: String { "\(header) from \(source)" }
}

/// Which of a server's tools are federated: an allow-list and a deny-list of globs (`*`, `?`)
/// over the server's own tool names. Empty allow-list means all.
public struct ToolFilter: Sendable, Equatable {
    public var allow: [String]
    public var deny: [String]

    public init(allow: [String] = [], deny: [String] = []) {
        self.allow = allow
        self.deny = deny
    }

    public func admits(_ name: String) -> Bool {
        if deny.contains(where: { Glob.matches($0, name) }) { return false }
        return allow.isEmpty || allow.contains(where: { Glob.matches($0, name) })
    }
}

public struct SessionConfig: Sendable, Equatable {
    /// HMAC key for session ids. All replicas behind one Envoy must share it; without it each
    /// process invents one, and sessions do not survive a restart.
    public var secret: [UInt8]?
    public var ttlSeconds: Double
    /// Where DELETEd session ids are kept across restarts (append-only, compacted at start).
    /// Off by default; with a persistent secret and no file, the gateway warns at start that
    /// an ended session works again after a restart.
    public var revocationsFile: String?

    public init(secret: [UInt8]? = nil, ttlSeconds: Double = 24 * 3600, revocationsFile: String? = nil) {
        self.secret = secret
        self.ttlSeconds = ttlSeconds
        self.revocationsFile = revocationsFile
    }
}

public struct CatalogConfig: Sendable, Equatable {
    public var refreshSeconds: Double
    /// Consecutive failed refreshes before a server's entries leave the catalog.
    public var failureThreshold: Int
    /// Entries per page of the merged lists the gateway serves.
    public var pageSize: Int
    /// How long a failing server's last good entries stay listed (marked stale in `_meta`, calls
    /// refused with an error naming it) before they leave; 0: they leave at once.
    public var staleSeconds: Double
    /// Longest public tool name: longer discovered names are shortened (`ToolNameLength`);
    /// configured renames and prefixes must fit (checked at load time).
    public var maxToolNameLength: Int = 64

    public init(refreshSeconds: Double = 60, failureThreshold: Int = 3, pageSize: Int = 500, staleSeconds: Double = 0) {
        self.refreshSeconds = refreshSeconds
        self.failureThreshold = failureThreshold
        self.pageSize = pageSize
        self.staleSeconds = staleSeconds
    }
}

public struct LimitsConfig: Sendable, Equatable {
    /// Largest JSON-RPC body accepted (Envoy's own buffer limit applies first).
    public var maxBodyBytes: Int
    /// Calls the gateway relays itself at once (calls of clients that accept server→client
    /// requests: each holds two connections while it runs, and a thread for https servers).
    /// Over it: a JSON-RPC error.
    public var maxRelayedCalls: Int = 256
    /// How long a relayed call may wait for its server's reply head, then between events.
    public var relayedCallTimeoutSeconds: Int = 300
    /// Bridged calls (2026-07-28 client → handshake-era server) held at once, running or waiting
    /// for the client's retry after an `InputRequiredResult`. Over it: a JSON-RPC error.
    public var maxBridgedCalls: Int = 256
    /// How long a bridged call waits for the client's retry; then the server's call is cancelled.
    public var bridgedCallWaitSeconds: Int = 60
    /// Standalone server streams (GET) the gateway holds open for clients' GET streams, in total.
    public var maxServerStreams: Int = 1024
    /// Resource subscriptions a handshake-era session may hold on servers that speak only
    /// 2026-07-28 (the gateway remembers them: `BridgedSubscriptions`), and over all sessions.
    public var maxBridgedSubscriptionsPerSession: Int = 64
    public var maxBridgedSubscriptions: Int = 10_000
    /// Sessions the `mcp_sessions_active` gauge tracks one by one; past it they are only counted
    /// (see `SessionGauge`).
    public var maxTrackedSessions: Int = SessionGauge.defaultCapacity
    /// DELETEd sessions remembered at once; when full of unexpired ones, a DELETE is refused (503).
    public var maxRevokedSessions: Int = SessionRevocations.defaultCapacity
    /// Event streams (GET, `subscriptions/listen`, relayed calls) open at once per client session.
    public var maxStreamsPerSession: Int = 16
    /// Event streams open at once per identity (callers without auth are one identity).
    public var maxStreamsPerIdentity: Int = 256

    public var bridgedSubscriptionLimits: BridgedSubscriptions.Limits {
        BridgedSubscriptions.Limits(perSession: maxBridgedSubscriptionsPerSession, total: maxBridgedSubscriptions)
    }

    public var streamLimits: StreamQuota.Limits {
        StreamQuota.Limits(perSession: maxStreamsPerSession, perIdentity: maxStreamsPerIdentity)
    }

    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }
}

public struct AuditConfig: Sendable, Equatable {
    /// `stdout` (default), `off`, or a file path (appended to).
    public var destination: String = "stdout"
    /// Record the names of the arguments of each call (never their values).
    public var includeArgumentNames = false

    public init(destination: String = "stdout", includeArgumentNames: Bool = false) {
        self.destination = destination
        self.includeArgumentNames = includeArgumentNames
    }
}
