import JSONWire
@testable import MCPGateway
import Testing

/// 2026-07-28 `subscriptions/listen`: what the gateway honours, and how resource updates look.
@Suite struct ListenFilterTests {
    /// The fixture, with the handshake-only `phys` supporting `resources/subscribe` (or not).
    static func catalog(physSubscribes: Bool = true) -> CatalogSnapshot {
        var phys = Fixture.phys
        phys.subscribes = physSubscribes
        var states = Fixture.states
        states["phys"] = .up(phys)
        return CatalogSnapshot(generation: 1, config: Fixture.config(), states: states)
    }

    func filter(_ notifications: String, grants: AccessPolicy.Grants = .everything,
                catalog: CatalogSnapshot = ListenFilterTests.catalog()) throws -> ListenFilter {
        let body = utf8(#"{"jsonrpc":"2.0","id":"listen-1","method":"subscriptions/listen","params":{"notifications":\#(notifications)}}"#)
        return ListenFilter(try JSONRPCRequest(parsing: body[...]), catalog: catalog, grants: grants)
    }

    @Test func aHandshakeServerWithoutSubscriptionsIsNotListenedTo() throws {
        let f = try filter(#"{"resourceSubscriptions":["phys+mem://constants"]}"#, catalog: Self.catalog(physSubscribes: false))
        #expect(f.honouredURIs.isEmpty)
    }

    @Test func resourcesGoToTheirServersWhateverEraTheySpeak() throws {
        let f = try filter(#"{"toolsListChanged":true,"resourceSubscriptions":["calc+file:///notes.txt","phys+mem://constants","dead+x://y","nope","calc+file:///notes.txt"]}"#)
        #expect(f.listKinds == ["tools"])
        // phys speaks only the handshake era (bridged), dead is down, "nope" names no server; duplicates once.
        #expect(f.honouredURIs == ["calc+file:///notes.txt", "phys+mem://constants"])
        #expect(f.resources.map(\.server) == ["calc", "phys"])
        #expect(f.resources.first?.uris == ["file:///notes.txt"])
        let ack = try tree(f.acknowledgement)
        #expect(ack["method"] == "notifications/subscriptions/acknowledged")
        #expect(ack["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == "listen-1")
        #expect(ack["params"]?["notifications"] == ["toolsListChanged": true,
                                                    "resourceSubscriptions": ["calc+file:///notes.txt", "phys+mem://constants"]])
    }

    @Test func aCallerWithoutTheServerIsNotSubscribed() throws {
        let f = try filter(#"{"resourceSubscriptions":["calc+file:///notes.txt"]}"#, grants: .servers(["phys"]))
        #expect(f.honouredURIs.isEmpty)
        #expect(try tree(f.acknowledgement)["params"]?["notifications"] == [:])
    }

    @Test func updatesCarryTheSubscriptionAndTheFederatedURI() throws {
        let f = try filter(#"{"resourceSubscriptions":["calc+file:///notes.txt"]}"#)
        #expect(text(f.resourceUpdated(server: "calc", uri: "file:///notes.txt"))
                == #"{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"listen-1"},"uri":"calc+file:///notes.txt"}}"#)
    }
}
