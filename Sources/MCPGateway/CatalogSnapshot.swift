import JSONWire

/// The merged catalog at one moment: immutable, shared by every request through a pointer swap.
///
/// Built once per change (a refresh, a server going up or down, a reload), never per request:
/// each entry's JSON is rendered here so `tools/list` is a concatenation, and name lookups are
/// one dictionary probe.
public final class CatalogSnapshot: Sendable {
    public let generation: UInt64
    public let tools: [FederatedEntry]
    public let prompts: [FederatedEntry]
    public let resources: [FederatedEntry]
    public let resourceTemplates: [FederatedEntry]
    public let serverStates: [String: ServerState]
    /// Names two servers both produced after prefixing: the first (in config order) wins, and
    /// each loss is reported here, in logs and metrics rather than dropped silently.
    public let collisions: [String]
    /// Tool names the gateway changed on its own (shortened to `catalog.maxToolNameLength`), logged.
    public let notices: [String]
    /// Tools an override hides: not listed, callable by name.
    let hiddenTools: [String: FederatedEntry]
    /// Pinned servers' tools that drifted from their approved definition, or await approval.
    public let pinFindings: [PinFinding]
    let toolIndex: [String: Int]
    let promptIndex: [String: Int]
    /// Each list pre-joined page by page (`pageSize` entries, comma-separated JSON objects), for
    /// callers whose grants cover everything: their list reply is then one copy.
    let pages: [String: [[UInt8]]]
    let pageSize: Int
    /// Servers that speak each era, for forwarding decisions.
    let modernServers: Set<String>
    let handshakeServers: Set<String>

    public init(generation: UInt64, config: GatewayConfig, states: [String: ServerState],
                pins: ToolPins = ToolPins()) {
        self.generation = generation
        self.serverStates = states
        var tools: [FederatedEntry] = [], prompts: [FederatedEntry] = []
        var resources: [FederatedEntry] = [], templates: [FederatedEntry] = []
        var collisions: [String] = [], notices: [String] = []
        var hiddenTools: [String: FederatedEntry] = [:]
        var findings: [PinFinding] = []
        var toolIndex: [String: Int] = [:], promptIndex: [String: Int] = [:]
        var modern = Set<String>(), handshake = Set<String>()
        // Servers in config order, each server's entries sorted by name: the same lists on every
        // replica and after restarts, whatever order a server happens to list them in.
        for server in config.servers {
            guard let state = states[server.name], let found = state.listed else { continue }
            var stale: JSONValue?
            if case .stale(_, let since, _) = state { stale = FederatedNaming.staleMarker(server: server.name, since: since) }
            /// An entry as clients see it: under its public name, marked when its server is stale.
            func present(_ entry: JSONValue, _ member: String, _ publicName: String) -> [UInt8] {
                FederatedNaming.renamed(stale.map { FederatedNaming.withMeta(entry, FederatedNaming.staleMetaKey, $0) } ?? entry,
                                        key: member, to: publicName)
            }
            /// The same entry as listed to 2026-07-28 clients, renamed like the handshake one;
            /// nil when it is byte-identical (or the server lists nothing different).
            func modernEntry(_ key: String, _ member: String, _ original: String, _ publicName: String, _ handshakeJSON: [UInt8],
                             _ override: ToolOverride? = nil) -> [UInt8]? {
                guard let list = found.modernLists[key],
                      let entry = list.first(where: { $0[member]?.stringValue == original }) else { return nil }
                let json = present(override?.apply(to: entry) ?? entry, member, publicName)
                return json == handshakeJSON ? nil : json
            }
            if found.speaksModern { modern.insert(server.name) }
            if found.speaksHandshake { handshake.insert(server.name) }
            for tool in FederatedNaming.sorted(found.tools, by: "name") {
                guard let name = tool["name"]?.stringValue, server.toolFilter.admits(name) else { continue }
                var tool = tool
                var drifted = false, hide = false, servingPin = false
                if server.pin, let pinning = config.pinning {
                    // Served as approved: a changed definition is drift, an unknown tool waits.
                    if let pin = pins.pin(server: server.name, tool: name) {
                        if pin.digest != ToolPins.digest(tool) {
                            findings.append(PinFinding(kind: .drifted, server: server.name, tool: name, pinned: pin, current: tool))
                            tool = pin.definition
                            servingPin = true
                            drifted = pinning.refuseDriftedCalls
                            hide = pinning.onDrift == .hide
                        }
                    } else {
                        findings.append(PinFinding(kind: .unapproved, server: server.name, tool: name, pinned: nil, current: tool))
                        if pinning.newTools == .hold, !pinning.allowNewTools.contains(where: { Glob.matches($0, name) }) { continue }
                    }
                }
                let override = server.toolOverrides[name]
                var publicName = override?.name ?? server.prefix + name
                if override?.name == nil {
                    let fitted = ToolNameLength.fitted(publicName, limit: config.catalog.maxToolNameLength)
                    if fitted != publicName {
                        notices.append("tool \"\(publicName)\" of server \"\(server.name)\" is longer than catalog.maxToolNameLength (\(config.catalog.maxToolNameLength)): listed as \"\(fitted)\"")
                        publicName = fitted
                    }
                }
                if let owner = toolIndex[publicName].map({ tools[$0].server }) ?? hiddenTools[publicName]?.server {
                    collisions.append("tool \"\(publicName)\" of server \"\(server.name)\" collides with server \"\(owner)\"; kept the first")
                    continue
                }
                if !ToolNameRules.isValid(publicName) {
                    collisions.append("tool \"\(publicName)\" of server \"\(server.name)\" is not a valid MCP tool name; served anyway")
                }
                let json = present(override?.apply(to: tool) ?? tool, "name", publicName)
                var entry = FederatedEntry(publicName: publicName, server: server.name, originalName: name, json: json,
                                           // A served pinned definition is the same for both eras.
                                           modernJSON: servingPin ? nil : modernEntry("tools", "name", name, publicName, json, override))
                entry.drifted = drifted
                if override?.hidden == true || hide {
                    hiddenTools[publicName] = entry
                } else {
                    toolIndex[publicName] = tools.count
                    tools.append(entry)
                }
            }
            for prompt in FederatedNaming.sorted(found.prompts, by: "name") {
                guard let name = prompt["name"]?.stringValue else { continue }
                let publicName = server.prefix + name
                if let other = promptIndex[publicName] {
                    collisions.append("prompt \"\(publicName)\" of server \"\(server.name)\" collides with server \"\(prompts[other].server)\"; kept the first")
                    continue
                }
                promptIndex[publicName] = prompts.count
                let json = present(prompt, "name", publicName)
                prompts.append(FederatedEntry(publicName: publicName, server: server.name, originalName: name, json: json,
                                              modernJSON: modernEntry("prompts", "name", name, publicName, json)))
            }
            for resource in FederatedNaming.sorted(found.resources, by: "uri") {
                guard let uri = resource["uri"]?.stringValue else { continue }
                let publicURI = FederatedNaming.publicURI(server: server.name, uri: uri)
                let json = present(resource, "uri", publicURI)
                resources.append(FederatedEntry(publicName: publicURI, server: server.name, originalName: uri, json: json,
                                                modernJSON: modernEntry("resources", "uri", uri, publicURI, json)))
            }
            for template in FederatedNaming.sorted(found.resourceTemplates, by: "uriTemplate") {
                guard let uri = template["uriTemplate"]?.stringValue else { continue }
                let publicURI = FederatedNaming.publicURI(server: server.name, uri: uri)
                let json = present(template, "uriTemplate", publicURI)
                templates.append(FederatedEntry(publicName: publicURI, server: server.name, originalName: uri, json: json,
                                                modernJSON: modernEntry("resourceTemplates", "uriTemplate", uri, publicURI, json)))
            }
        }
        self.tools = tools
        self.prompts = prompts
        self.resources = resources
        self.resourceTemplates = templates
        self.collisions = collisions
        self.notices = notices
        self.hiddenTools = hiddenTools
        self.pinFindings = findings
        self.toolIndex = toolIndex
        self.promptIndex = promptIndex
        self.modernServers = modern
        self.handshakeServers = handshake
        let size = max(1, config.catalog.pageSize)
        self.pageSize = size
        func join(_ entries: [FederatedEntry], _ era: ProtocolEra) -> [[UInt8]] {
            stride(from: 0, to: max(entries.count, 1), by: size).map { start in
                var bytes: [UInt8] = []
                for (i, e) in entries[start..<min(start + size, entries.count)].enumerated() {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    bytes += e.json(for: era)
                }
                return bytes
            }
        }
        var pages: [String: [[UInt8]]] = [:]
        for (key, entries) in [("tools", tools), ("prompts", prompts), ("resources", resources), ("resourceTemplates", templates)] {
            pages[key] = join(entries, .handshake)
            // A second set only when some entry differs for 2026-07-28 clients.
            if entries.contains(where: { $0.modernJSON != nil }) { pages[Self.modernPageKey(key)] = join(entries, .modern) }
        }
        self.pages = pages
    }

    // Names match byte for byte, as the servers behind compare them: Swift's String == (and so a
    // [String: Int] lookup) is canonical equivalence, which would also accept e.g. "calc_\u{212A}"
    // (KELVIN SIGN) for "calc_K" and let that spelling slip past tool globs (rate limits).
    /// Every tool a call can name: the listed ones, then those an override hides (by name).
    public var callableTools: [FederatedEntry] {
        tools + hiddenTools.values.sorted { $0.publicName.utf8.lexicographicallyPrecedes($1.publicName.utf8) }
    }

    public func tool(named publicName: String) -> FederatedEntry? {
        (toolIndex[publicName].map { tools[$0] } ?? hiddenTools[publicName])
            .flatMap { $0.publicName.utf8.elementsEqual(publicName.utf8) ? $0 : nil }
    }

    public func prompt(named publicName: String) -> FederatedEntry? {
        promptIndex[publicName].map { prompts[$0] }.flatMap { $0.publicName.utf8.elementsEqual(publicName.utf8) ? $0 : nil }
    }

    public func speaks(_ era: ProtocolEra, server: String) -> Bool {
        era == .modern ? modernServers.contains(server) : handshakeServers.contains(server)
    }

    public func isUp(_ server: String) -> Bool {
        if case .up? = serverStates[server] { return true }
        return false
    }

    /// True when the client-visible lists differ (what warrants `list_changed`).
    public func listsDiffer(from other: CatalogSnapshot) -> (tools: Bool, prompts: Bool, resources: Bool) {
        (tools != other.tools, prompts != other.prompts,
         resources != other.resources || resourceTemplates != other.resourceTemplates)
    }

    static func modernPageKey(_ key: String) -> String { key + "@2026" }

    public static func empty(config: GatewayConfig) -> CatalogSnapshot {
        CatalogSnapshot(generation: 0, config: config, states: [:])
    }
}
