/// An extra MCP endpoint exposing a chosen part of the federated catalog (`virtualServers[]`):
/// agents that degrade when shown hundreds of tools get a curated subset at their own path.
///
/// It is a restriction on top of everything else: a caller sees there what the global policy
/// grants it, intersected with the endpoint's selection, intersected with the endpoint's own
/// `authorization` rules if it has them. `initialize`, the lists, `list_changed` and calls behave
/// as on the main endpoint; a call outside the subset gets the same error as an unknown tool. No
/// Envoy change: every path already reaches ext_proc, which answers or routes it.
public struct VirtualServer: Sendable, Equatable {
    public var name: String
    /// Where it is served: `<mcpPath>/<name>` unless configured.
    public var path: String
    /// Globs over server names: every tool, prompt and resource of these servers.
    public var servers: [String]
    /// Globs over public tool names: these tools (of any server).
    public var tools: [String]
    /// The endpoint's own rules (same form as `authorization`); empty: the global policy alone.
    public var policy: AccessPolicy

    public init(name: String, path: String, servers: [String] = [], tools: [String] = [], policy: AccessPolicy = AccessPolicy()) {
        self.name = name
        self.path = path
        self.servers = servers
        self.tools = tools
        self.policy = policy
    }

    /// The selection as grants (servers whole, tools by name).
    var selection: AccessPolicy.Grants {
        var g = AccessPolicy.Grants(all: false)
        g.servers = servers
        g.tools = tools
        return g
    }
}

extension MCPRouter {
    /// What `who` may use at this request's path: the global policy's grants, restricted to a
    /// virtual server's selection and rules when the path is one.
    public func grants(for who: CallerIdentity?, head: MCPRequestHead) -> AccessPolicy.Grants {
        let base = config.policy.grants(for: who)
        guard !config.virtualServers.isEmpty, let virtual = config.virtualServer(at: head.normalizedPath) else { return base }
        var restrictions = [virtual.selection]
        if !virtual.policy.isOpen { restrictions.append(virtual.policy.grants(for: who)) }
        return base.restricted(by: restrictions)
    }
}
