import JSONWire
@testable import MCPGateway
import Testing

@Suite struct CatalogSnapshotMergeTests {
    let catalog = Fixture.catalog()

    @Test func toolsMergedInConfigOrderWithPrefixes() {
        #expect(catalog.tools.map(\.publicName) == ["calc_add", "calc_divide", "phys_velocity"])
        #expect(catalog.tools.map(\.server) == ["calc", "calc", "phys"])
        #expect(catalog.tools.map(\.originalName) == ["add", "divide", "velocity"])
        #expect(catalog.collisions.isEmpty)
        #expect(catalog.generation == 1)
    }

    @Test func configOrderNotStateOrder() {
        // Same states, servers listed the other way round: phys first.
        var config = Fixture.config()
        config.servers.reverse()
        let reversed = Fixture.catalog(config: config)
        #expect(reversed.tools.map(\.publicName) == ["phys_velocity", "calc_add", "calc_divide"])
        #expect(reversed.prompts.map(\.publicName) == ["phys_explain", "calc_explain"])
    }

    @Test func toolJSONRewrittenWithPublicNameOnly() throws {
        let entry = try #require(catalog.tool(named: "calc_add"))
        let rendered = try tree(entry.json)
        guard case .object(var expected) = Fixture.addTool else { Issue.record("fixture is not an object"); return }
        expected[0].value = "calc_add"
        // Structurally identical apart from the name: same member order, inputSchema (with
        // x-mcp-header), number text ("1.50"), annotations, _meta.
        #expect(rendered == .object(expected))
        #expect(rendered["inputSchema"] == Fixture.addTool["inputSchema"])
        #expect(rendered["inputSchema"]?["properties"]?["region"]?["x-mcp-header"] == "Region")
        #expect(rendered["inputSchema"]?["properties"]?["a"]?["default"]?.numberText == "1.50")
    }

    @Test func duplicateNameMemberRewritesTheLastOne() throws {
        let server = DiscoveredServer(name: "a", tools: [.object([("name", "first"), ("x", 1), ("name", "second")])])
        let config = GatewayConfig(servers: [ServerConfig(name: "a", url: "http://a")])
        let snap = CatalogSnapshot(generation: 1, config: config, states: ["a": .up(server)])
        // The server's own parsers read the last "name": that is the tool, and the one renamed.
        let entry = try #require(snap.tool(named: "a_second"))
        #expect(entry.originalName == "second")
        #expect(try tree(entry.json) == .object([("name", "first"), ("x", 1), ("name", "a_second")]))
    }

    @Test func denyListedToolsAbsent() {
        #expect(catalog.tool(named: "calc_secret_admin") == nil)
        #expect(!catalog.tools.contains { $0.originalName == "secret_admin" })
    }

    @Test func allowListFilters() {
        var config = Fixture.config()
        config.servers[0].toolFilter = ToolFilter(allow: ["div*"])
        let snap = Fixture.catalog(config: config)
        #expect(snap.tools.map(\.publicName) == ["calc_divide", "phys_velocity"])
    }

    @Test func lookups() throws {
        #expect(catalog.tool(named: "calc_add")?.server == "calc")
        #expect(catalog.tool(named: "add") == nil)
        #expect(catalog.tool(named: "dead_ghost") == nil)
        #expect(catalog.prompt(named: "phys_explain")?.originalName == "explain")
        #expect(catalog.prompt(named: "calc_explain")?.server == "calc")
        #expect(try tree(#require(catalog.prompt(named: "calc_explain")).json)
            == ["name": "calc_explain", "description": "Explains a calculation"])
    }

    @Test func downAndPendingServersContributeNothing() {
        #expect(!catalog.tools.contains { $0.server == "dead" })
        #expect(!catalog.isUp("dead"))
        #expect(catalog.isUp("calc"))
        #expect(!catalog.isUp("unknown"))
        let pending = CatalogSnapshot(generation: 2, config: Fixture.config(),
                                      states: ["calc": .pending, "phys": .up(Fixture.phys), "dead": .up(Fixture.deadServer)])
        #expect(pending.tools.map(\.publicName) == ["phys_velocity", "dead_ghost"])
        #expect(pending.resources.map(\.publicName) == ["phys+mem://constants"])
    }

    @Test func statesOfUnconfiguredServersIgnored() {
        let snap = CatalogSnapshot(generation: 1, config: Fixture.config(), states: ["stranger": .up(DiscoveredServer(name: "stranger", tools: [["name": "x"]]))])
        #expect(snap.tools.isEmpty)
    }

    @Test func erasSpoken() {
        #expect(catalog.speaks(.modern, server: "calc"))
        #expect(catalog.speaks(.handshake, server: "calc"))
        #expect(!catalog.speaks(.modern, server: "phys"))
        #expect(catalog.speaks(.handshake, server: "phys"))
        #expect(!catalog.speaks(.handshake, server: "dead"))
    }

    @Test func entriesWithoutNamesSkipped() {
        let server = DiscoveredServer(name: "a", tools: [["title": "nameless"], ["name": 5], ["name": "ok"]],
                                      prompts: [["title": "x"]], resources: [["name": "no uri"]], resourceTemplates: [["uri": "wrong key"]])
        let snap = CatalogSnapshot(generation: 1, config: GatewayConfig(servers: [ServerConfig(name: "a", url: "http://a")]), states: ["a": .up(server)])
        #expect(snap.tools.map(\.publicName) == ["a_ok"])
        #expect(snap.prompts.isEmpty && snap.resources.isEmpty && snap.resourceTemplates.isEmpty)
    }

    @Test func emptySnapshot() {
        let empty = CatalogSnapshot.empty(config: Fixture.config())
        #expect(empty.generation == 0)
        #expect(empty.tools.isEmpty && empty.prompts.isEmpty && empty.resources.isEmpty && empty.resourceTemplates.isEmpty)
    }
}

@Suite struct CatalogCollisionTests {
    @Test func collisionReportedAndFirstKept() throws {
        let config = GatewayConfig(servers: [
            ServerConfig(name: "a", prefix: "x_", url: "http://a"),
            ServerConfig(name: "b", prefix: "x_b_", url: "http://b"),
        ])
        let snap = CatalogSnapshot(generation: 1, config: config, states: [
            "a": .up(DiscoveredServer(name: "a", tools: [["name": "b_c"]], prompts: [["name": "b_p"]])),
            "b": .up(DiscoveredServer(name: "b", tools: [["name": "c"], ["name": "d"]], prompts: [["name": "p"]])),
        ])
        #expect(snap.tools.map(\.publicName) == ["x_b_c", "x_b_d"])
        let winner = try #require(snap.tool(named: "x_b_c"))
        #expect(winner.server == "a")
        #expect(winner.originalName == "b_c")
        #expect(snap.prompt(named: "x_b_p")?.server == "a")
        #expect(snap.collisions.count == 2)
        #expect(snap.collisions.contains { $0.contains("tool \"x_b_c\"") && $0.contains("\"b\"") && $0.contains("\"a\"") })
        #expect(snap.collisions.contains { $0.contains("prompt \"x_b_p\"") })
    }

    @Test func sameServerDuplicateReported() throws {
        let config = GatewayConfig(servers: [ServerConfig(name: "a", url: "http://a")])
        let snap = CatalogSnapshot(generation: 1, config: config, states: [
            "a": .up(DiscoveredServer(name: "a", tools: [["name": "t", "v": 1], ["name": "t", "v": 2]])),
        ])
        #expect(snap.tools.count == 1)
        #expect(try tree(snap.tools[0].json)["v"] == 1)
        #expect(snap.collisions.count == 1)
    }

    @Test func invalidPublicNameServedButReported() {
        let config = GatewayConfig(servers: [ServerConfig(name: "a", url: "http://a")])
        let snap = CatalogSnapshot(generation: 1, config: config, states: [
            "a": .up(DiscoveredServer(name: "a", tools: [["name": "has space"]])),
        ])
        #expect(snap.tool(named: "a_has space") != nil)
        #expect(snap.collisions.count == 1)
        #expect(snap.collisions[0].contains("not a valid MCP tool name"))
    }
}

@Suite struct CatalogResourceTests {
    let catalog = Fixture.catalog()

    @Test func resourceURIsCarryTheServer() throws {
        #expect(catalog.resources.map(\.publicName) == ["calc+file:///notes.txt", "phys+mem://constants"])
        #expect(catalog.resources.map(\.originalName) == ["file:///notes.txt", "mem://constants"])
        let notes = try tree(catalog.resources[0].json)
        #expect(notes == ["uri": "calc+file:///notes.txt", "name": "notes", "mimeType": "text/plain"])
        #expect(catalog.resourceTemplates.map(\.publicName) == ["calc+file:///{path}"])
        #expect(try tree(catalog.resourceTemplates[0].json) == ["uriTemplate": "calc+file:///{path}", "name": "files"])
    }

    @Test(arguments: ["file:///notes.txt", "mem://constants", "https://x/a+b?c=d+e", "urn:isbn:0451450523", "a+b+c"])
    func splitURIReversesPublicURI(_ uri: String) throws {
        let split = try #require(FederatedNaming.splitURI(FederatedNaming.publicURI(server: "calc-2", uri: uri)))
        #expect(split.server == "calc-2")
        #expect(split.uri == uri)
    }

    @Test(arguments: ["file:///notes.txt", "+file:///x", "calc+", "", "noplus"])
    func splitURIRefusesURIsWithoutAServer(_ uri: String) {
        #expect(FederatedNaming.splitURI(uri) == nil)
    }
}

@Suite struct CatalogDiffTests {
    let config = Fixture.config()

    func snapshot(_ states: [String: ServerState]) -> CatalogSnapshot {
        CatalogSnapshot(generation: 1, config: config, states: states)
    }

    @Test func identicalStatesDoNotDiffer() {
        let d = snapshot(Fixture.states).listsDiffer(from: snapshot(Fixture.states))
        #expect(!d.tools && !d.prompts && !d.resources)
    }

    @Test func toolChangeOnly() {
        var calc = Fixture.calc
        calc.tools[1] = ["name": "divide", "inputSchema": ["type": "object", "required": ["x"]]]
        var states = Fixture.states
        states["calc"] = .up(calc)
        let d = snapshot(states).listsDiffer(from: snapshot(Fixture.states))
        #expect(d.tools && !d.prompts && !d.resources)
    }

    @Test func promptChangeOnly() {
        var phys = Fixture.phys
        phys.prompts.append(["name": "derive"])
        var states = Fixture.states
        states["phys"] = .up(phys)
        let d = snapshot(states).listsDiffer(from: snapshot(Fixture.states))
        #expect(!d.tools && d.prompts && !d.resources)
    }

    @Test func templateChangeCountsAsResources() {
        var calc = Fixture.calc
        calc.resourceTemplates = []
        var states = Fixture.states
        states["calc"] = .up(calc)
        let d = snapshot(states).listsDiffer(from: snapshot(Fixture.states))
        #expect(!d.tools && !d.prompts && d.resources)
    }

    @Test func serverGoingDownChangesEverythingItServed() {
        var states = Fixture.states
        states["phys"] = .down(reason: "timeout")
        let d = snapshot(states).listsDiffer(from: snapshot(Fixture.states))
        #expect(d.tools && d.prompts && d.resources)
    }

    @Test func instructionsAloneAreNotAListChange() {
        var calc = Fixture.calc
        calc.instructions = "different"
        var states = Fixture.states
        states["calc"] = .up(calc)
        let d = snapshot(states).listsDiffer(from: snapshot(Fixture.states))
        #expect(!d.tools && !d.prompts && !d.resources)
    }
}
