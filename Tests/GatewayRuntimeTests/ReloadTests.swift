import EnvoyServices
import Foundation
import GatewayRuntime
import MCPGateway
import Testing

/// Live reconfiguration: a valid new file is swapped in whole, an invalid one changes nothing,
/// and both are counted in `mcp_config_reloads_total`.
@Suite(.serialized) struct ReloadTests {
    static func config(servers: [String], maxTrackedSessions: Int = 1000, audit: String = "off") -> String {
        let list = servers.map { #"{"name":"\#($0)","url":"http://127.0.0.1:9/mcp"}"# }.joined(separator: ",")
        return #"{"servers":[\#(list)],"limits":{"maxTrackedSessions":\#(maxTrackedSessions)},"audit":{"destination":"\#(audit)"}}"#
    }

    func reloads(_ metrics: GatewayMetrics) -> [String: String] {
        series(metrics.registry.render(), "mcp_config_reloads_total")
    }

    @Test func aChangedConfigApplies() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("gateway.json", Self.config(servers: ["one"]))
        let metrics = GatewayMetrics(version: "t")
        let federation = try Federation(configPath: dir.file("gateway.json"), metrics: metrics, version: "t")
        defer { federation.stop() }
        #expect(federation.config.servers.map(\.name) == ["one"])

        dir.write("gateway.json", Self.config(servers: ["one", "two"], maxTrackedSessions: 5))
        #expect(federation.reload(reason: "test"))
        #expect(federation.config.servers.map(\.name) == ["one", "two"])
        #expect(federation.config.limits.maxTrackedSessions == 5)
        #expect(federation.context.router.config.servers.count == 2)
        #expect(federation.store.config.servers.count == 2)
        #expect(reloads(metrics) == [#"{result="success"}"#: "1", #"{result="failure"}"#: "0"])
        // Per-server series follow the config (label `server`); both servers are unreachable.
        let up = series(metrics.registry.render(), "mcp_upstream_up")
        #expect(up == [#"{server="one"}"#: "0", #"{server="two"}"#: "0"])
    }

    @Test func anUnchangedFileCountsAsASuccessAndChangesNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("gateway.json", Self.config(servers: ["one"]))
        let metrics = GatewayMetrics(version: "t")
        let federation = try Federation(configPath: dir.file("gateway.json"), metrics: metrics, version: "t")
        defer { federation.stop() }
        let before = federation.config
        #expect(federation.reload(reason: "test"))
        #expect(federation.config == before)
        #expect(reloads(metrics)[#"{result="success"}"#] == "1")
    }

    @Test(arguments: ["{not json", #"{"servers":[],"unknownSection":1}"#, #"{"servers":[{"name":"x"}]}"#])
    func aBadConfigIsRefusedAndTheOldOneKeepsServing(_ bad: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("gateway.json", Self.config(servers: ["one"], maxTrackedSessions: 7))
        let metrics = GatewayMetrics(version: "t")
        let federation = try Federation(configPath: dir.file("gateway.json"), metrics: metrics, version: "t")
        defer { federation.stop() }
        let before = federation.config

        dir.write("gateway.json", bad)
        #expect(!federation.reload(reason: "test"))
        #expect(federation.config == before)
        #expect(federation.context.router.config == before)
        #expect(reloads(metrics) == [#"{result="success"}"#: "0", #"{result="failure"}"#: "1"])

        // The next good file applies as usual.
        dir.write("gateway.json", Self.config(servers: ["one"], maxTrackedSessions: 8))
        #expect(federation.reload(reason: "test"))
        #expect(federation.config.limits.maxTrackedSessions == 8)
    }

    @Test func aNewAuditDestinationIsUsedAfterTheReload() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("gateway.json", Self.config(servers: ["one"], audit: dir.file("first.log")))
        let federation = try Federation(configPath: dir.file("gateway.json"), metrics: GatewayMetrics(version: "t"), version: "t")
        defer { federation.stop() }
        let call = ForwardRecord(server: "one", rpcMethod: "tools/call", tool: "t1")
        federation.context.observer.forwarded(call, caller: nil, requestID: "a", status: 200, outcome: "ok", seconds: 0)

        dir.write("gateway.json", Self.config(servers: ["one"], audit: dir.file("second.log")))
        #expect(federation.reload(reason: "test"))
        federation.context.observer.forwarded(call, caller: nil, requestID: "b", status: 200, outcome: "ok", seconds: 0)
        #expect(dir.read("first.log")?.split(separator: "\n").count == 1)
        #expect(dir.read("second.log")?.contains(#""request_id":"b""#) == true)
        #expect(dir.read("first.log")?.contains(#""request_id":"b""#) == false)
    }

    @Test func aMissingConfigFileIsAnErrorAtStart() {
        #expect(throws: (any Error).self) {
            _ = try Federation(configPath: "/nonexistent/gateway.json", metrics: GatewayMetrics(version: "t"), version: "t")
        }
    }
}
