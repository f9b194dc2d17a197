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
    let toolIndex: [String: Int]
    let promptIndex: [String: Int]
    /// Each list pre-joined page by page (`pageSize` entries, comma-separated JSON objects), for
    /// callers whose grants cover everything: their list reply is then one copy.
    let pages: [String: [[UInt8]]]
    let pageSize: Int
    /// Servers that speak each era, for forwarding decisions.
    let modernServers: Set<String>
    let handshakeServers: Set<String>

    public init(generation: UInt64, config: GatewayConfig, states: [String: ServerState], slots: MetricsSlotAssigner? = nil) {
        self.generation = generation
        self.serverStates = states
        var tools: [FederatedEntry] = [], prompts: [FederatedEntry] = []
        var resources: [FederatedEntry] = [], templates: [FederatedEntry] = []
        var collisions: [String] = []
        var toolIndex: [String: Int] = [:], promptIndex: [String: Int] = [:]
        var modern = Set<String>(), handshake = Set<String>()
        for server in config.servers {
            guard case .up(let found)? = states[server.name] else { continue }
            if found.speaksModern { modern.insert(server.name) }
            if found.speaksHandshake { handshake.insert(server.name) }
            for tool in found.tools {
                guard let name = tool["name"]?.stringValue, server.toolFilter.admits(name) else { continue }
                let publicName = server.prefix + name
                if let other = toolIndex[publicName] {
                    collisions.append("tool \"\(publicName)\" of server \"\(server.name)\" collides with server \"\(tools[other].server)\"; kept the first")
                    continue
                }
                if !ToolNameRules.isValid(publicName) {
                    collisions.append("tool \"\(publicName)\" of server \"\(server.name)\" is not a valid MCP tool name; served anyway")
                }
                toolIndex[publicName] = tools.count
                tools.append(FederatedEntry(publicName: publicName, server: server.name, originalName: name,
                                            json: FederatedNaming.renamed(tool, key: "name", to: publicName),
                                            metricsSlot: slots?(server.name, publicName) ?? -1))
            }
            for prompt in found.prompts {
                guard let name = prompt["name"]?.stringValue else { continue }
                let publicName = server.prefix + name
                if let other = promptIndex[publicName] {
                    collisions.append("prompt \"\(publicName)\" of server \"\(server.name)\" collides with server \"\(prompts[other].server)\"; kept the first")
                    continue
                }
                promptIndex[publicName] = prompts.count
                prompts.append(FederatedEntry(publicName: publicName, server: server.name, originalName: name,
                                              json: FederatedNaming.renamed(prompt, key: "name", to: publicName)))
            }
            for resource in found.resources {
                guard let uri = resource["uri"]?.stringValue else { continue }
                let publicURI = FederatedNaming.publicURI(server: server.name, uri: uri)
                resources.append(FederatedEntry(publicName: publicURI, server: server.name, originalName: uri,
                                                json: FederatedNaming.renamed(resource, key: "uri", to: publicURI)))
            }
            for template in found.resourceTemplates {
                guard let uri = template["uriTemplate"]?.stringValue else { continue }
                let publicURI = FederatedNaming.publicURI(server: server.name, uri: uri)
                templates.append(FederatedEntry(publicName: publicURI, server: server.name, originalName: uri,
                                                json: FederatedNaming.renamed(template, key: "uriTemplate", to: publicURI)))
            }
        }
        self.tools = tools
        self.prompts = prompts
        self.resources = resources
        self.resourceTemplates = templates
        self.collisions = collisions
        self.toolIndex = toolIndex
        self.promptIndex = promptIndex
        self.modernServers = modern
        self.handshakeServers = handshake
        let size = max(1, config.catalog.pageSize)
        self.pageSize = size
        func join(_ entries: [FederatedEntry]) -> [[UInt8]] {
            stride(from: 0, to: max(entries.count, 1), by: size).map { start in
                var bytes: [UInt8] = []
                for (i, e) in entries[start..<min(start + size, entries.count)].enumerated() {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    bytes += e.json
                }
                return bytes
            }
        }
        self.pages = ["tools": join(tools), "prompts": join(prompts), "resources": join(resources),
                      "resourceTemplates": join(templates)]
    }

    // Names match byte for byte, as the servers behind compare them: Swift's String == (and so a
    // [String: Int] lookup) is canonical equivalence, which would also accept e.g. "calc_\u{212A}"
    // (KELVIN SIGN) for "calc_K" and let that spelling slip past tool globs (rate limits).
    public func tool(named publicName: String) -> FederatedEntry? {
        toolIndex[publicName].map { tools[$0] }.flatMap { $0.publicName.utf8.elementsEqual(publicName.utf8) ? $0 : nil }
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

    public static func empty(config: GatewayConfig) -> CatalogSnapshot {
        CatalogSnapshot(generation: 0, config: config, states: [:])
    }
}
