import Foundation
import HTTPClient
import JSONWire
import Logging
import MCPGateway
import Synchronization

/// Keeps one server's catalog entries warm: a discovery session, full lists (all pages), a GET
/// stream for `list_changed`, and a periodic refresh. A server that fails `failureThreshold`
/// times in a row loses its entries until it answers again, without any restart; with
/// `catalog.staleSeconds` its last good entries stay listed, marked stale, that long first.
///
/// Runs on its own threads with blocking I/O; it publishes only through `CatalogStore`.
public final class BackendMonitor: @unchecked Sendable {
    public let server: ServerConfig
    private let store: CatalogStore
    private let client: MCPBackendClient
    private let catalogConfig: CatalogConfig
    private let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let streamHandle = Mutex<HTTPStreamHandle?>(nil)
    public let events: MonitorEvents

    public init(server: ServerConfig, store: CatalogStore, http: HTTPClient, catalog: CatalogConfig, version: String,
                events: MonitorEvents = MonitorEvents()) {
        self.server = server
        self.store = store
        self.client = MCPBackendClient(server: server, http: http, clientVersion: version)
        self.catalogConfig = catalog
        self.logger = Logger(component: "catalog")
        self.events = events
    }

    public func start() {
        let t = Thread { [self] in run() }
        t.name = "monitor-\(server.name)"
        t.start()
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        streamHandle.withLock { $0?.cancel() }
        wake.signal()
    }

    /// Ask for a refresh now (a list_changed arrived, or an operator asked).
    public func refreshSoon() { wake.signal() }

    private func run() {
        var failures = 0
        var session: MCPBackendClient.Session?
        var wasUp = false
        // Our discovery session was lost (404 or the server was down): the server most likely
        // restarted, so every backend session the gateway holds with it is gone too.
        var hadSession = false
        // The server refused `initialize` but serves 2026-07-28: discover it statelessly.
        var modernOnly = false
        // The last successful discovery, and since when (Unix seconds) the server has been stale.
        var lastGood: DiscoveredServer?
        var staleSince: Double?
        while !stopped.load(ordering: .relaxed) {
            do throws(BackendError) {
                if session == nil && !modernOnly {
                    do throws(BackendError) {
                        session = try client.initialize()
                    } catch {
                        guard client.speaksModern() else { throw error }
                        modernOnly = true
                        logger.info("server speaks only 2026-07-28: discovered without a session", [("server", server.name)])
                    }
                    if let session {
                        startNotificationStream(session)
                        if hadSession { events.sessionsLost(server.name) }
                        hadSession = true
                    }
                }
                let found: DiscoveredServer
                if let session {
                    found = try discover(session)
                } else {
                    do throws(BackendError) { found = try discoverModernOnly() } catch {
                        modernOnly = false  // try the handshake again next time
                        throw error
                    }
                }
                failures = 0
                events.refreshed(at: WallClock.unixSeconds())
                lastGood = found
                if staleSince != nil { logger.info("server answers again: its entries are no longer stale", [("server", server.name)]) }
                staleSince = nil
                store.update(server: server.name, to: .up(found))
                if !wasUp {
                    logger.info("server up", [("server", server.name), ("tools", String(found.tools.count)),
                                              ("eras", found.eras)])
                    wasUp = true
                }
            } catch {
                failures += 1
                let now = WallClock.unixSeconds()
                events.failed(at: now, error: error.problem)
                if error.sessionExpired { session = nil }
                logger.warning("catalog refresh failed", [("server", server.name), ("error", error.problem),
                                                          ("consecutive_failures", String(failures))])
                if failures >= catalogConfig.failureThreshold {
                    session = nil
                    streamHandle.withLock { $0?.cancel() }
                    if let found = lastGood, catalogConfig.staleSeconds > 0, now - (staleSince ?? now) < catalogConfig.staleSeconds {
                        if staleSince == nil {
                            staleSince = now
                            logger.warning("server not answering: its last good entries stay listed, marked stale",
                                           [("server", server.name), ("stale_seconds", String(catalogConfig.staleSeconds))])
                        }
                        store.update(server: server.name, to: .stale(found, since: staleSince ?? now, reason: error.problem))
                    } else {
                        if wasUp || staleSince != nil || failures == catalogConfig.failureThreshold {
                            logger.warning("server down: its entries leave the catalog", [("server", server.name)])
                        }
                        lastGood = nil
                        staleSince = nil
                        store.update(server: server.name, to: .down(reason: error.problem))
                    }
                    wasUp = false
                }
            }
            // Retry quickly while failing, then settle into the periodic refresh; a stale server
            // is tried again no later than when its entries are due to leave.
            var delay = failures > 0 ? min(catalogConfig.refreshSeconds, Double(1 << min(failures, 4)) * 0.5) : catalogConfig.refreshSeconds
            if let since = staleSince { delay = max(0.1, min(delay, since + catalogConfig.staleSeconds - WallClock.unixSeconds())) }
            _ = wake.wait(timeout: .now() + delay)
        }
    }

    private func discover(_ session: MCPBackendClient.Session) throws(BackendError) -> DiscoveredServer {
        let caps = session.result["capabilities"]
        var found = DiscoveredServer(name: server.name)
        found.instructions = session.result["instructions"]?.stringValue
        found.subscribes = caps?["resources"]?["subscribe"]?.boolValue ?? false
        found.tasks = caps?["tasks"] != nil
        if caps?["tools"] != nil { found.tools = try client.listAll(method: "tools/list", key: "tools", session: session) }
        if caps?["prompts"] != nil { found.prompts = try client.listAll(method: "prompts/list", key: "prompts", session: session) }
        if caps?["resources"] != nil {
            found.resources = try client.listAll(method: "resources/list", key: "resources", session: session)
            found.resourceTemplates = try client.listAll(method: "resources/templates/list", key: "resourceTemplates", session: session)
        }
        found.speaksHandshake = true
        found.speaksModern = client.speaksModern()
        if found.speaksModern {
            // What 2026-07-28 clients must see, where the server lists it differently for them.
            // A failure here keeps the handshake lists for everyone (logged by the caller's retry).
            for (method, key, has) in [("tools/list", "tools", !found.tools.isEmpty), ("prompts/list", "prompts", !found.prompts.isEmpty),
                                       ("resources/list", "resources", !found.resources.isEmpty),
                                       ("resources/templates/list", "resourceTemplates", !found.resourceTemplates.isEmpty)] where has {
                if let items = try? client.listAllModern(method: method, key: key) { found.modernLists[key] = items }
            }
        }
        return found
    }

    /// A server that speaks only 2026-07-28 (it refuses `initialize`): capabilities from
    /// `server/discover`, every list statelessly. Its entries serve 2026-07-28 clients directly and
    /// handshake-era clients through the bridge (`MCPRouter.bridgeToModern`, `ModernCallBridge`).
    private func discoverModernOnly() throws(BackendError) -> DiscoveredServer {
        let (_, result) = try client.request(method: "server/discover", params: client.modernParams(), session: nil,
                                             protocolVersion: ProtocolEra.latestModern, modern: true)
        let caps = result["capabilities"]
        var found = DiscoveredServer(name: server.name)
        found.instructions = result["instructions"]?.stringValue
        found.subscribes = caps?["resources"]?["subscribe"]?.boolValue ?? false
        if caps?["tools"] != nil { found.tools = try client.listAllModern(method: "tools/list", key: "tools") }
        if caps?["prompts"] != nil { found.prompts = try client.listAllModern(method: "prompts/list", key: "prompts") }
        if caps?["resources"] != nil {
            found.resources = try client.listAllModern(method: "resources/list", key: "resources")
            found.resourceTemplates = try client.listAllModern(method: "resources/templates/list", key: "resourceTemplates")
        }
        found.speaksHandshake = false
        found.speaksModern = true
        return found
    }

    /// The discovery session's GET stream: any `list_changed` triggers a refresh. Reconnects
    /// (with a pause) until the session is replaced or the monitor stops.
    private func startNotificationStream(_ session: MCPBackendClient.Session) {
        guard let sessionID = session.id else { return }
        let handle = HTTPStreamHandle()
        streamHandle.withLock { old in
            old?.cancel()
            old = handle
        }
        let t = Thread { [self] in
            while !handle.isCancelled && !stopped.load(ordering: .relaxed) {
                var parser = SSEParser()
                guard let request = try? HTTPRequest(method: "GET", url: server.url,
                                                     headers: client.baseHeaders(session: sessionID, protocolVersion: session.protocolVersion)) else { return }
                var status = 0
                _ = try? client.http.stream(request, connectTimeout: server.timeoutSeconds, handle: handle,
                                            onHead: { head in status = head.status; return head.status == 200 },
                                            onBody: { chunk in
                    guard let events = try? parser.feed(chunk) else { return false }
                    for event in events where event.data.contains("list_changed") {
                        self.logger.info("server announced a list change", [("server", self.server.name)])
                        self.wake.signal()
                    }
                    return true
                })
                if status == 405 || status == 404 { return }  // no GET stream offered, or the session went away
                Thread.sleep(forTimeInterval: 1)
            }
        }
        t.name = "notify-\(server.name)"
        t.start()
    }
}

/// Counters a monitor bumps, read by metrics (refreshes and failures per server), and its last
/// success and failure, read by the admin endpoint `/servers`.
public final class MonitorEvents: Sendable {
    private let refreshes = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    private let last = Mutex<ServerHealth>(ServerHealth())
    /// Called (on the monitor's thread) when the server had to be given a new discovery session.
    public let sessionsLost: @Sendable (_ server: String) -> Void

    public init(sessionsLost: @escaping @Sendable (String) -> Void = { _ in }) {
        self.sessionsLost = sessionsLost
    }

    func refreshed(at now: Double) {
        refreshes.add(1, ordering: .relaxed)
        last.withLock { $0.lastSuccess = now; $0.consecutiveFailures = 0 }
    }

    func failed(at now: Double, error: String) {
        failures.add(1, ordering: .relaxed)
        last.withLock { $0.lastFailure = now; $0.lastError = error; $0.consecutiveFailures += 1 }
    }

    /// The last success and failure of this server's refreshes.
    public var health: ServerHealth { last.withLock { $0 } }
    public var refreshCount: Int { refreshes.load(ordering: .relaxed) }
    public var failureCount: Int { failures.load(ordering: .relaxed) }
}
