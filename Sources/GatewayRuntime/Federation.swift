import Dispatch
import EnvoyServices
import HTTPClient
import JSONWire
import Logging
import MCPGateway
import Observability
import Synchronization
import Upstreams

/// The federation's moving parts: the catalog, one monitor per server, and the processor
/// context. Owns live reconfiguration: a new config is validated whole, then swapped in
/// (router, catalog, monitors) while requests keep flowing; a bad one changes nothing.
package final class Federation: @unchecked Sendable {
    let configPath: String
    let loader: GatewayConfigLoader
    package let store: CatalogStore
    package let context: MCPProcessorContext
    let hub: NotificationHub
    let relay: CallRelay
    let bridge: CallBridge
    let serverStreams: ServerStreams
    /// Handshake-era sessions' subscriptions to 2026-07-28-only servers' resources, delivered on their GET streams.
    let subscriptionListens: BridgedSubscriptionListens
    let metrics: GatewayMetrics
    /// Bearer-token checking (`auth`), built once; nil without an `auth` section. A reload that
    /// changes `auth` is refused (`fieldNeedingRestart`).
    let auth: AuthSetup?
    /// This gateway's version, as it introduces itself to MCP servers.
    let version: String
    private let http: HTTPClient
    private let signerSecret: [UInt8]?
    /// The key stays for the process's life; a reload may change the session lifetime.
    private var signer: SessionSigner
    private let governance: Governance
    private let revocations: SessionRevocations
    private let revocationFile: RevocationFile?
    /// Redis shared by replicas (`sharedState.redis`); nil = this replica on its own.
    let sharedState: SharedState?
    private let monitors = Mutex<[String: BackendMonitor]>([:])
    private let reloadLock = Mutex<Void>(())
    private let logger = Logger(component: "config")

    package init(configPath: String, metrics: GatewayMetrics, version: String) throws {
        self.configPath = configPath
        self.metrics = metrics
        self.version = version
        loader = GatewayConfigLoader(readFile: FileSystem.read, environment: { name in getenv(name).map { String(cString: $0) } })
        let config = try loader.load(path: configPath)
        signerSecret = config.session.secret
        if let secret = config.session.secret {
            signer = SessionSigner(secret: secret, ttlSeconds: config.session.ttlSeconds)
        } else {
            logger.warning("no session secret configured: sessions will not survive a restart or span replicas (set session.secretFile)")
            signer = SessionSigner.ephemeral(ttlSeconds: config.session.ttlSeconds)
        }
        if let path = config.session.revocationsFile {
            let (file, loaded) = try RevocationFile.open(path: path, now: WallClock.unixSeconds())
            revocationFile = file
            sharedState = try config.sharedState.map { try SharedState(config: $0, fileJournal: file, metrics: metrics) }
            revocations = SessionRevocations(capacity: config.limits.maxRevokedSessions, journal: sharedState ?? file, loaded: loaded)
            logger.info("session revocations loaded", [("file", path), ("revoked", String(loaded.count))])
            if loaded.count > config.limits.maxRevokedSessions {
                logger.warning("more unexpired revocations than limits.maxRevokedSessions: all are kept, new DELETEs are refused until some expire",
                               [("revoked", String(loaded.count)), ("limit", String(config.limits.maxRevokedSessions))])
            }
        } else {
            revocationFile = nil
            sharedState = try config.sharedState.map { try SharedState(config: $0, fileJournal: nil, metrics: metrics) }
            revocations = SessionRevocations(capacity: config.limits.maxRevokedSessions, journal: sharedState)
            if config.session.secret != nil, sharedState == nil {
                logger.warning("no session.revocationsFile: sessions survive a restart (persistent secret) but DELETEs do not; "
                               + "an ended session works again after a restart until it expires")
            }
        }
        metrics.sessions.capacity = config.limits.maxTrackedSessions
        store = CatalogStore(config: config)
        http = HTTPClient()
        let sessions = BackendSessionFactory(store: store, http: http, version: version, shared: sharedState,
                                             onShared: { [sharedState] in sharedState?.count($0) })
        let streams = ServerStreams(http: http, store: store)
        serverStreams = streams
        let subscriptions = BridgedSubscriptions()
        subscriptionListens = BridgedSubscriptionListens(streams: streams, subscriptions: subscriptions,
                                                         clientInfo: MCPStreamEndpoint.clientInfo(version: version))
        let table = BackendSessionTable(sessionTTL: config.session.ttlSeconds, clock: { WallClock.unixSeconds() },
                                        sharing: sharedState == nil ? nil : sessions) { request, completion in
            sessions.create(request) { result in
                // A client listening on its GET stream hears this new backend session's stream too.
                if case .success(let id) = result, !request.client.token.isEmpty {
                    streams.backendSessionOpened(client: request.client, server: request.server, session: id)
                }
                completion(result)
            }
        }
        let direct = DirectForwarder(http: http)
        let relayBridges = ModernBridges()
        let tasks = TaskLister(store: store, http: http, version: version, backendSessions: table)
        let governance = Governance(metrics: metrics, audit: try AuditTrail(config: config.audit), sessionTTL: config.session.ttlSeconds)
        self.governance = governance
        auth = config.auth.map { AuthSetup(config: $0, observer: governance) }
        // Task ids are sealed with the signer's key, which never changes (only its TTL may).
        let sealer = self.signer
        context = MCPProcessorContext(
            router: MCPRouter(config: config, signer: signer, revocations: revocations, version: version,
                              clock: { WallClock.unixSeconds() }, sharedRates: sharedState, subscriptions: subscriptions),
            catalog: store, backendSessions: table,
            retryDirect: { plan, session, completion in
                direct.send(plan, backendSession: session) { result in
                    completion(result.map { DirectReply(status: $0.status, contentType: $0.contentType, body: $0.body) })
                }
            },
            endBackendSession: { server, session in sessions.end(server: server, session: session) },
            observer: governance,
            broadcast: { [bridges = relayBridges] message in
                if let answer = message.inputAnswer {
                    bridges.answer(answer, client: message.session)
                    return
                }
                bridges.clientNotified(message.body, client: message.session)
                let targets = message.logLevel.map { table.setLogLevel(client: message.session, level: $0) }
                    ?? table.sessions(client: message.session)
                sessions.broadcast(message.body, to: targets, protocolVersion: message.session.protocolVersion)
            },
            gather: { plan, done in tasks.list(plan, signer: sealer, done: done) })
        relay = CallRelay(http: http, store: store, backendSessions: table, bridges: relayBridges)
        bridge = CallBridge(http: http, store: store, backendSessions: table, version: version,
                            endSession: { sessions.end(server: $0, session: $1) })
        hub = NotificationHub()
        store.onChange { [hub, logger] old, new in
            for collision in new.collisions where !old.collisions.contains(collision) {
                logger.warning("catalog collision", [("detail", collision)])
            }
            for notice in new.notices where !old.notices.contains(notice) {
                logger.info("catalog name shortened", [("detail", notice)])
            }
            let diff = new.listsDiffer(from: old)
            if diff.tools || diff.prompts || diff.resources {
                hub.listsChanged(tools: diff.tools, prompts: diff.prompts, resources: diff.resources)
            }
        }
        metrics.watch(relay: relay, serverStreams: streams)
        metrics.watch(bridge: bridge)
        metrics.watch(subscriptions: subscriptions)
        metrics.watch(store: store) { [unowned self] in self.monitors.withLock { Array($0.values) } }
        try loadPins(config)
        startMonitors(for: config)
        sharedState?.start(revocations: revocations)
        logger.info("federating MCP servers", [("servers", config.servers.map(\.name).joined(separator: ",")), ("config", configPath)])
    }

    package var config: GatewayConfig { context.router.config }

    /// Every configured server has been tried at least once (up or down): the catalog is warm.
    var isWarm: Bool {
        let snapshot = store.snapshot
        return config.servers.allSatisfy { snapshot.serverStates[$0.name] != nil && snapshot.serverStates[$0.name] != .pending }
    }

    /// Reads the pin file (`pinning.file`) into the catalog; a missing file is no pins yet.
    func loadPins(_ config: GatewayConfig) throws(ConfigError) {
        guard let pinning = config.pinning else { return }
        guard let bytes = FileSystem.read(pinning.file) else {
            store.replacePins(ToolPins())
            return
        }
        store.replacePins(try ToolPins(fileBytes: bytes))
    }

    /// `POST /pins/approve` `{"server": …, "tool": …?}`: pins what the server lists now (one tool,
    /// or all), writes the pin file (a temporary file renamed over it), and serves the new pins.
    func approvePins(_ body: [UInt8]) -> (status: Int, body: String) {
        func refused(_ status: Int, _ why: String) -> (Int, String) { (status, Self.json("error", why)) }
        return reloadLock.withLock { _ -> (Int, String) in
            guard let pinning = config.pinning else { return refused(404, "no pinning section in the config") }
            guard let request = try? JSONValue(parsing: body), let name = request["server"]?.stringValue,
                  let server = config.server(named: name), server.pin else {
                return refused(400, "give {\"server\": the name of a server with pin: true, \"tool\": one of its tools (optional)}")
            }
            guard let found = store.snapshot.serverStates[name]?.listed else { return refused(409, "the server has not been discovered yet") }
            let tool = request["tool"]?.stringValue
            var definitions: [String: JSONValue] = [:]
            for t in found.tools { if let n = t["name"]?.stringValue, server.toolFilter.admits(n) { definitions[n] = t } }
            if let tool, definitions[tool] == nil { return refused(404, "the server lists no tool \(tool)") }
            let pins = store.pins.approving(server: name, definitions: definitions, tool: tool)
            let temporary = pinning.file + ".tmp"
            guard FileSystem.write(temporary, pins.fileBytes()), rename(temporary, pinning.file) == 0 else {
                return refused(500, "cannot write the pin file \(pinning.file)")
            }
            store.replacePins(pins)
            let approved = tool.map { [$0] } ?? definitions.keys.sorted()
            logger.info("tool definitions approved", [("server", name), ("tools", approved.joined(separator: ","))])
            return (200, Self.json("approved", approved))
        }
    }

    /// `{"<key>": value}` for the pin endpoints' answers.
    static func json(_ key: String, _ value: String) -> String {
        var w = JSONWriter()
        w.beginObject(); w.key(key); w.string(value); w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func json(_ key: String, _ values: [String]) -> String {
        var w = JSONWriter()
        w.beginObject(); w.key(key); w.strings(values); w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `GET /servers` on the admin port.
    func serverStatus() -> [UInt8] {
        let health = monitors.withLock { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, $0.value.events.health) }) }
        return ServerStatusReport.json(config: config, catalog: store.snapshot, health: health)
    }

    private func startMonitors(for config: GatewayConfig) {
        monitors.withLock { running in
            let wanted = Dictionary(uniqueKeysWithValues: config.servers.map { ($0.name, $0) })
            for (name, monitor) in running where wanted[name] != monitor.server {
                monitor.stop()
                running[name] = nil
            }
            for server in config.servers where running[server.name] == nil {
                let sessions = context.backendSessions
                let events = MonitorEvents { name in
                    let n = sessions.invalidateAll(server: name)
                    if n > 0 { Logger(component: "sessions").info("server restarted: its backend sessions are renewed on next use",
                                                                   [("server", name), ("sessions", String(n))]) }
                }
                let m = BackendMonitor(server: server, store: store, http: http, catalog: config.catalog, version: version,
                                       events: events)
                running[server.name] = m
                m.start()
            }
        }
    }

    package func stop() {
        monitors.withLock { for m in $0.values { m.stop() } }
        hub.closeAll()
        sharedState?.stop()
        revocationFile?.sync()
    }

    /// Re-reads the config file. Returns false (and keeps the old config) if it is invalid.
    @discardableResult
    package func reload(reason: String) -> Bool {
        reloadLock.withLock { _ in
            let new: GatewayConfig
            var newAudit: AuditTrail?
            do {
                new = try loader.load(path: configPath)
                // Opened only when it changes, and kept: the old trail's file closes once
                // no write holds it any more.
                if new.audit != config.audit { newAudit = try AuditTrail(config: new.audit) }
                try loadPins(new)
            } catch {
                metrics.reloadFailed.add()
                logger.error("config reload refused: the previous configuration keeps serving", [("reason", reason), ("error", "\(error)")])
                return false
            }
            let old = config
            guard new != old else {
                metrics.reloadSucceeded.add()
                logger.info("config reloaded: unchanged", [("reason", reason)])
                return true
            }
            // Everything else applies now; these are built once, so a change is refused whole,
            // naming the field, rather than half-applied.
            if let field = Self.fieldNeedingRestart(old: old, new: new, signerSecret: signerSecret) {
                metrics.reloadFailed.add()
                logger.error("config reload refused: the previous configuration keeps serving",
                             [("reason", reason), ("error", "\(field) changes need a restart of the gateway")])
                return false
            }
            if new.session.ttlSeconds != old.session.ttlSeconds {
                signer = signer.withTTL(new.session.ttlSeconds)
                context.backendSessions.sessionTTL = new.session.ttlSeconds
            }
            governance.settings.current.withLock { settings in
                if let newAudit { settings.audit = newAudit }
                settings.sessionTTL = new.session.ttlSeconds
            }
            revocations.capacity = new.limits.maxRevokedSessions
            metrics.sessions.capacity = new.limits.maxTrackedSessions
            context.replaceRouter(MCPRouter(config: new, signer: signer, revocations: revocations, version: version,
                                            clock: { WallClock.unixSeconds() }, sharedRates: sharedState,
                                            limiter: context.router.limiter, subscriptions: context.router.subscriptions))
            store.replaceConfig(new)
            startMonitors(for: new)
            metrics.reloadSucceeded.add()
            logger.info("config reloaded", [("reason", reason), ("servers", new.servers.map(\.name).joined(separator: ","))])
            return true
        }
    }

    /// The first setting of `new` that only a restart can apply (built once at start: the session
    /// key and revocation file, token review, the Redis connection), or nil.
    static func fieldNeedingRestart(old: GatewayConfig, new: GatewayConfig, signerSecret: [UInt8]?) -> String? {
        if new.session.secret != signerSecret { return "session.secretFile" }
        if new.session.revocationsFile != old.session.revocationsFile { return "session.revocationsFile" }
        if new.auth != old.auth { return "auth" }
        if new.sharedState != old.sharedState { return "sharedState" }
        return nil
    }

    /// Reloads when the file changes (polled every 2 s): its modification time, inode or size.
    /// `stat` follows symlinks, so a Kubernetes ConfigMap update (kubelet swaps the `..data`
    /// symlink to a new directory) is seen as a new inode even if the mtime were kept. (SIGHUP is
    /// the binary's: it calls `Gateway.reload`.)
    func watchForChanges() {
        var last = Self.fingerprint(configPath)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "config-watch"))
        timer.schedule(deadline: .now() + 2, repeating: 2)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let now = Self.fingerprint(self.configPath)
            if now != last {
                last = now
                self.reload(reason: "file changed")
            }
        }
        timer.resume()
        sources = [timer]
    }
    private var sources: [DispatchSourceProtocol] = []

    struct FileFingerprint: Equatable {
        var modified = 0, inode: UInt = 0, device: UInt = 0, size = 0
    }

    static func fingerprint(_ path: String) -> FileFingerprint {
        var st = stat()
        guard stat(path, &st) == 0 else { return FileFingerprint() }
        return FileFingerprint(modified: st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec, inode: UInt(st.st_ino),
                               device: UInt(st.st_dev), size: Int(st.st_size))
    }
}

#if canImport(Glibc)
import Glibc
#endif
