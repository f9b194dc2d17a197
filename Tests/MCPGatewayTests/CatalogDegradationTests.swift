import JSONWire
@testable import MCPGateway
import Testing

/// `catalog.staleSeconds`: a failing server's last good entries stay listed, marked, while calls
/// to it are refused; lists come in one order whatever order servers list in; `/servers`.
@Suite struct CatalogDegradationTests {
    static let since = 1_800_000_000.0

    func snapshot(phys: ServerState) -> CatalogSnapshot {
        var states = Fixture.states
        states["phys"] = phys
        return CatalogSnapshot(generation: 2, config: Fixture.config(), states: states)
    }

    @Test func staleEntriesStayListedWithAMarkerAndAreNotCallable() throws {
        let stale = snapshot(phys: .stale(Fixture.phys, since: Self.since, reason: "connection refused"))
        let entry = try #require(stale.tool(named: "phys_velocity"))
        let json = try tree(entry.json)
        #expect(json["name"] == "phys_velocity")
        #expect(json["_meta"]?[FederatedNaming.staleMetaKey]?["server"] == "phys")
        #expect(json["_meta"]?[FederatedNaming.staleMetaKey]?["sinceUnixSeconds"]?.numberText == "1800000000")
        #expect(stale.prompt(named: "phys_explain") != nil)
        #expect(stale.resources.contains { $0.server == "phys" })
        #expect(!stale.isUp("phys"))  // the router refuses calls naming the server
        // Other servers' entries are untouched; an existing _meta keeps its members.
        let add = try tree(try #require(stale.tool(named: "calc_add")).json)
        #expect(add["_meta"] == Fixture.addTool["_meta"])
        let up = snapshot(phys: .up(Fixture.phys))
        #expect(try tree(try #require(up.tool(named: "phys_velocity")).json)["_meta"] == nil)
        // The clients see list_changed when a server goes stale (its entries changed).
        #expect(stale.listsDiffer(from: up).tools)
        #expect(snapshot(phys: .down(reason: "x")).tool(named: "phys_velocity") == nil)
    }

    @Test func markerKeepsOtherMetaMembers() throws {
        let marked = FederatedNaming.withMeta(Fixture.addTool, FederatedNaming.staleMetaKey, .bool(true))
        #expect(marked["_meta"]?["x"] == .null)
        #expect(marked["_meta"]?[FederatedNaming.staleMetaKey] == .bool(true))
        #expect(marked["name"] == "add")
    }

    @Test func entriesAreOrderedByNameWhateverTheServersOrder() {
        let shuffled = DiscoveredServer(name: "calc", tools: [["name": "zeta"], ["name": "Alpha"], ["name": "beta"], ["title": "nameless"]],
                                        prompts: [["name": "b"], ["name": "a"]],
                                        resources: [["uri": "z://1"], ["uri": "a://1"]])
        var reversed = shuffled
        reversed.tools.reverse(); reversed.prompts.reverse(); reversed.resources.reverse()
        let config = GatewayConfig(servers: [ServerConfig(name: "calc", url: "http://c")])
        let one = CatalogSnapshot(generation: 1, config: config, states: ["calc": .up(shuffled)])
        let other = CatalogSnapshot(generation: 1, config: config, states: ["calc": .up(reversed)])
        #expect(one.tools.map(\.publicName) == ["calc_Alpha", "calc_beta", "calc_zeta"])  // byte order: upper case first
        #expect(one.tools == other.tools && one.prompts == other.prompts && one.resources == other.resources)
        #expect(one.prompts.map(\.originalName) == ["a", "b"])
        #expect(one.resources.map(\.originalName) == ["a://1", "z://1"])
    }

    @Test func serverReportSaysStateHealthAndCounts() throws {
        var config = Fixture.config()
        config.catalog.staleSeconds = 300
        var states = Fixture.states
        states["phys"] = .stale(Fixture.phys, since: Self.since, reason: "connection refused")
        let catalog = CatalogSnapshot(generation: 2, config: config, states: states)
        let health = ["phys": ServerHealth(lastSuccess: Self.since - 10, lastFailure: Self.since + 5, lastError: "connection refused",
                                           consecutiveFailures: 4),
                      "calc": ServerHealth(lastSuccess: Self.since)]
        let report = try tree(ServerStatusReport.json(config: config, catalog: catalog, health: health))
        guard case .array(let servers)? = report["servers"] else { Issue.record("no servers array"); return }
        #expect(servers.map { $0["name"] } == ["calc", "phys", "dead"])
        #expect(servers[0]["state"] == "up" && servers[0]["tools"]?.numberText == "2" && servers[0]["lastError"] == .null)
        #expect(servers[0]["eras"] == ["handshake", "2026-07-28"])
        #expect(servers[1]["state"] == "stale" && servers[1]["tools"]?.numberText == "1")
        #expect(servers[1]["staleUntilUnixSeconds"]?.numberText == "1800000300")
        #expect(servers[1]["consecutiveFailures"]?.numberText == "4" && servers[1]["lastError"] == "connection refused")
        #expect(servers[2]["state"] == "down" && servers[2]["reason"] == "connection refused" && servers[2]["tools"]?.numberText == "0")
        #expect(servers[2]["lastSuccessUnixSeconds"] == .null)
        #expect(ServerStatusReport.readinessDetail(config: config, catalog: catalog) == "stale: phys; down: dead")
        #expect(ServerStatusReport.readinessDetail(config: config, catalog: Fixture.catalog(config: config)) == "down: dead")
    }

    @Test func staleSecondsIsLoaded() throws {
        let loader = GatewayConfigLoader(readFile: { _ in nil }, environment: { _ in nil })
        let config = try loader.parse(utf8(#"{"servers":[{"name":"a","url":"http://a/mcp"}],"catalog":{"staleSeconds":120}}"#))
        #expect(config.catalog.staleSeconds == 120)
        #expect(throws: ConfigError.self) {
            try loader.parse(utf8(#"{"servers":[{"name":"a","url":"http://a/mcp"}],"catalog":{"staleSeconds":-1}}"#))
        }
    }
}
