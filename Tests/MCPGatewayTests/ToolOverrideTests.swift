import JSONWire
@testable import MCPGateway
import Testing

/// Renames, description overrides, hidden tools and the public name length limit.
@Suite struct ToolOverrideTests {
    func catalog(_ overrides: [String: ToolOverride], prefix: String? = nil, maxLength: Int = 64,
                 tools: [JSONValue] = Fixture.calc.tools) -> CatalogSnapshot {
        var server = ServerConfig(name: "calc", prefix: prefix, url: "http://calc/mcp")
        server.toolOverrides = overrides
        var config = GatewayConfig(servers: [server])
        config.catalog.maxToolNameLength = maxLength
        var found = Fixture.calc
        found.tools = tools
        return CatalogSnapshot(generation: 1, config: config, states: ["calc": .up(found)])
    }

    @Test func renameAndDescriptionApplyInBothEras() throws {
        let snap = catalog(["add": ToolOverride(name: "sum", description: "Sums two numbers.")])
        let entry = try #require(snap.tool(named: "sum"))
        #expect(entry.originalName == "add" && entry.server == "calc")
        #expect(snap.tool(named: "calc_add") == nil)
        let json = try tree(entry.json)
        #expect(json["name"] == "sum" && json["description"] == "Sums two numbers.")
        #expect(json["inputSchema"] == Fixture.addTool["inputSchema"])
        // A tool without a description gets one.
        let divide = catalog(["divide": ToolOverride(description: "Divides.")])
        #expect(try tree(try #require(divide.tool(named: "calc_divide")).json)["description"] == "Divides.")
    }

    @Test func hiddenToolsAreCallableButNotListed() throws {
        let snap = catalog(["divide": ToolOverride(hidden: true)])
        #expect(!snap.tools.contains { $0.publicName == "calc_divide" })
        #expect(snap.tool(named: "calc_divide")?.originalName == "divide")
        // Its name is still taken: nothing else may list under it.
        let clash = catalog(["add": ToolOverride(hidden: true), "divide": ToolOverride(name: "calc_add")])
        #expect(clash.collisions.count == 1 && clash.tool(named: "calc_add")?.originalName == "add")
    }

    @Test func overLongNamesAreShortenedTheSameWayEveryTime() throws {
        let long = String(repeating: "a", count: 70)
        let tools: [JSONValue] = [.object([("name", .string(long + "_x"))]), .object([("name", .string(long + "_y"))])]
        let snap = catalog([:], tools: tools)
        let names = snap.tools.map(\.publicName)
        #expect(names.count == 2 && Set(names).count == 2)
        #expect(names.allSatisfy { $0.utf8.count == 64 && ToolNameRules.isValid($0) && $0.hasPrefix("calc_aaaa") })
        #expect(snap.notices.count == 2)
        #expect(catalog([:], tools: tools).tools.map(\.publicName) == names)
        #expect(snap.tool(named: names[0])?.originalName == long + "_x")
        #expect(ToolNameLength.fitted("calc_add", limit: 64) == "calc_add")
        #expect(catalog([:], maxLength: 128, tools: tools).tools.allSatisfy { $0.publicName.utf8.count == 77 })
    }

    let loader = GatewayConfigLoader(readFile: { _ in nil }, environment: { _ in nil })

    func load(_ servers: String, catalog: String = "{}") throws -> GatewayConfig {
        try loader.parse(utf8(#"{"servers":\#(servers),"catalog":\#(catalog)}"#))
    }

    @Test func overridesAreLoaded() throws {
        let config = try load(#"[{"name":"calc","url":"http://c/mcp","tools":{"overrides":{"add":{"name":"sum","description":"d","hidden":true}}}}]"#)
        #expect(config.servers[0].toolOverrides["add"] == ToolOverride(name: "sum", description: "d", hidden: true))
    }

    @Test(arguments: [
        (#"[{"name":"a","url":"http://a/mcp","tools":{"overrides":{"x":{"name":"has space"}}}}]"#, "{}", "servers[0].tools.overrides.x.name"),
        (#"[{"name":"a","url":"http://a/mcp","tools":{"overrides":{"x":{"color":"red"}}}}]"#, "{}", "servers[0].tools.overrides.x.color"),
        (#"[{"name":"a","url":"http://a/mcp","tools":{"overrides":{"x":{"name":"\#(String(repeating: "n", count: 65))"}}}}]"#, "{}",
         "servers[0].tools.overrides.x.name"),
        (#"[{"name":"a","url":"http://a/mcp","tools":{"overrides":{"x":{"name":"same"}}}},{"name":"b","url":"http://b/mcp","tools":{"overrides":{"y":{"name":"same"}}}}]"#,
         "{}", "servers[1].tools.overrides.y.name"),
        (#"[{"name":"a","url":"http://a/mcp"}]"#, #"{"maxToolNameLength":8}"#, "catalog.maxToolNameLength"),
        (#"[{"name":"a","url":"http://a/mcp","prefix":"\#(String(repeating: "p", count: 20))"}]"#, #"{"maxToolNameLength":24}"#, "servers[0].prefix"),
    ])
    func badOverridesAreRefusedAtLoad(servers: String, catalog: String, field: String) {
        #expect {
            _ = try load(servers, catalog: catalog)
        } throws: { error in
            (error as? ConfigError)?.field == field
        }
    }
}
