import JSONWire
@testable import MCPGateway
import Testing

@Suite struct CatalogStoreTests {
    /// Records (old generation, new generation, new tool names) per listener call.
    final class Recorder: Sendable {
        let calls = Locked<[(UInt64, UInt64, [String])]>([])
        func listener(_ old: CatalogSnapshot, _ new: CatalogSnapshot) {
            calls.withLock { $0.append((old.generation, new.generation, new.tools.map(\.publicName))) }
        }
        var count: Int { calls.value.count }
    }

    @Test func startsEmpty() {
        let store = CatalogStore(config: Fixture.config())
        #expect(store.snapshot.generation == 0)
        #expect(store.snapshot.tools.isEmpty)
        #expect(store.config == Fixture.config())
    }

    @Test func updateRebuildsAndNotifiesWithOldAndNew() throws {
        let store = CatalogStore(config: Fixture.config())
        let recorder = Recorder()
        store.onChange(recorder.listener)
        let before = store.snapshot

        store.update(server: "calc", to: .up(Fixture.calc))
        let afterCalc = store.snapshot
        #expect(afterCalc !== before)
        #expect(afterCalc.generation == 1)
        #expect(afterCalc.tools.map(\.publicName) == ["calc_add", "calc_divide"])

        store.update(server: "phys", to: .up(Fixture.phys))
        #expect(store.snapshot.generation == 2)
        let calls = recorder.calls.value
        try #require(calls.count == 2)
        #expect(calls[0].0 == 0 && calls[0].1 == 1 && calls[0].2 == ["calc_add", "calc_divide"])
        #expect(calls[1].0 == 1 && calls[1].1 == 2 && calls[1].2 == ["calc_add", "calc_divide", "phys_velocity"])
    }

    @Test func listenerGetsTheSameObjectsTheStoreServes() {
        let store = CatalogStore(config: Fixture.config())
        let seen = Locked<[ObjectIdentifier]>([])
        let initial = store.snapshot
        store.onChange { old, new in seen.withLock { $0 += [ObjectIdentifier(old), ObjectIdentifier(new)] } }
        store.update(server: "calc", to: .up(Fixture.calc))
        #expect(seen.value == [ObjectIdentifier(initial), ObjectIdentifier(store.snapshot)])
    }

    @Test func identicalStateDoesNotRebuild() {
        let store = CatalogStore(config: Fixture.config())
        let recorder = Recorder()
        store.onChange(recorder.listener)
        store.update(server: "calc", to: .up(Fixture.calc))
        let snap = store.snapshot
        store.update(server: "calc", to: .up(Fixture.calc))
        #expect(store.snapshot === snap)
        #expect(recorder.count == 1)
        store.update(server: "dead", to: .down(reason: "x"))
        store.update(server: "dead", to: .down(reason: "x"))
        #expect(recorder.count == 2)
        // A different reason is a different state.
        store.update(server: "dead", to: .down(reason: "y"))
        #expect(recorder.count == 3)
        #expect(store.snapshot.generation == 3)
    }

    @Test func unknownServerIgnored() {
        let store = CatalogStore(config: Fixture.config())
        let recorder = Recorder()
        store.onChange(recorder.listener)
        store.update(server: "stranger", to: .up(DiscoveredServer(name: "stranger", tools: [["name": "x"]])))
        #expect(recorder.count == 0)
        #expect(store.snapshot.generation == 0)
    }

    @Test func replaceConfigDropsRemovedServers() {
        let store = CatalogStore(config: Fixture.config())
        store.update(server: "calc", to: .up(Fixture.calc))
        store.update(server: "phys", to: .up(Fixture.phys))
        #expect(store.snapshot.tools.count == 3)

        var smaller = Fixture.config()
        smaller.servers.removeAll { $0.name == "calc" }
        let recorder = Recorder()
        store.onChange(recorder.listener)
        store.replaceConfig(smaller)
        #expect(recorder.count == 1)
        #expect(store.config == smaller)
        #expect(store.snapshot.tools.map(\.publicName) == ["phys_velocity"])
        #expect(store.snapshot.serverStates["calc"] == nil)
        #expect(store.snapshot.serverStates["phys"] == .up(Fixture.phys))

        // Re-adding the server does not resurrect its old state: it must be discovered again.
        store.replaceConfig(Fixture.config())
        #expect(store.snapshot.tools.map(\.publicName) == ["phys_velocity"])
        #expect(!store.snapshot.isUp("calc"))
    }

    @Test func replaceConfigAppliesNewPrefixesToKeptServers() {
        let store = CatalogStore(config: Fixture.config())
        store.update(server: "calc", to: .up(Fixture.calc))
        var renamed = Fixture.config()
        renamed.servers[0].prefix = "math."
        store.replaceConfig(renamed)
        #expect(store.snapshot.tools.map(\.publicName) == ["math.add", "math.divide"])
    }

    @Test func concurrentUpdatesAllLand() async {
        let names = (0..<32).map { "s\($0)" }
        let config = GatewayConfig(servers: names.map { ServerConfig(name: $0, url: "http://\($0)") })
        let store = CatalogStore(config: config)
        let recorder = Recorder()
        store.onChange(recorder.listener)
        await withTaskGroup(of: Void.self) { group in
            for name in names {
                group.addTask { store.update(server: name, to: .up(DiscoveredServer(name: name, tools: [["name": "t"]]))) }
            }
        }
        #expect(store.snapshot.generation == 32)
        #expect(Set(store.snapshot.tools.map(\.publicName)) == Set(names.map { "\($0)_t" }))
        #expect(recorder.count == 32)
    }
}
