import JSONWire
@testable import MCPGateway
import Synchronization
import Testing

/// A handshake-era session's `resources/subscribe` of a 2026-07-28-only server's resource: the
/// set per session as a value, the bounded table, and the router's answer.
@Suite struct BridgedSubscriptionTests {
    // MARK: the set of one session

    @Test func subscribingKeepsTheOrderPerServerAndIsIdempotent() {
        var set = ResourceSubscriptionSet()
        #expect(set.subscribe(server: "b", uri: "mem://2", limit: 8) == .added)
        #expect(set.subscribe(server: "b", uri: "mem://1", limit: 8) == .added)
        #expect(set.subscribe(server: "a", uri: "mem://1", limit: 8) == .added)
        #expect(set.subscribe(server: "b", uri: "mem://2", limit: 8) == .unchanged)
        #expect(set.count == 3 && set.servers == ["a", "b"])
        #expect(set.uris(on: "b") == ["mem://2", "mem://1"], "a listen names them in the order subscribed")
        #expect(set.uris(on: "c") == [])
    }

    @Test func theLimitCountsEveryServerAndAKnownURIIsNeverRefused() {
        var set = ResourceSubscriptionSet()
        #expect(set.subscribe(server: "a", uri: "mem://1", limit: 2) == .added)
        #expect(set.subscribe(server: "b", uri: "mem://1", limit: 2) == .added)
        #expect(set.subscribe(server: "a", uri: "mem://2", limit: 2) == .full)
        #expect(set.subscribe(server: "a", uri: "mem://1", limit: 2) == .unchanged)
        #expect(set.count == 2)
    }

    @Test func unsubscribingRemovesOnlyThatURIAndEmptyServersGo() {
        var set = ResourceSubscriptionSet()
        _ = set.subscribe(server: "a", uri: "mem://1", limit: 8)
        _ = set.subscribe(server: "a", uri: "mem://2", limit: 8)
        let first = set.unsubscribe(server: "a", uri: "mem://1")
        let again = set.unsubscribe(server: "a", uri: "mem://1")
        let elsewhere = set.unsubscribe(server: "z", uri: "mem://2")
        #expect(first && !again && !elsewhere, "twice is no error, and changes nothing")
        #expect(set.uris(on: "a") == ["mem://2"] && set.count == 1)
        set.unsubscribe(server: "a", uri: "mem://2")
        #expect(set.isEmpty && set.servers.isEmpty && set == ResourceSubscriptionSet())
    }

    // MARK: the table

    static func session() -> ClientSession {
        Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
    }

    @Test func eachLimitIsAClearErrorNamingIt() throws {
        let table = BridgedSubscriptions()
        let limits = BridgedSubscriptions.Limits(perSession: 2, total: 3)
        let (a, b) = (Self.session(), Self.session())
        let at = Fixture.t0, until = Fixture.t0 + 60
        #expect(table.subscribe(a, server: "s", uri: "u1", expires: until, now: at, limits: limits) == nil)
        #expect(table.subscribe(a, server: "s", uri: "u2", expires: until, now: at, limits: limits) == nil)
        let perSession = try #require(table.subscribe(a, server: "s", uri: "u3", expires: until, now: at, limits: limits))
        #expect(perSession.code == -32000 && perSession.message.contains("limits.maxBridgedSubscriptionsPerSession"))
        #expect(table.subscribe(a, server: "s", uri: "u1", expires: until, now: at, limits: limits) == nil, "already held")
        #expect(table.subscribe(b, server: "s", uri: "u1", expires: until, now: at, limits: limits) == nil)
        let total = try #require(table.subscribe(b, server: "s", uri: "u2", expires: until, now: at, limits: limits))
        #expect(total.code == -32000 && total.message.contains("limits.maxBridgedSubscriptions,"))
        #expect(table.total == 3)
        table.unsubscribe(a, server: "s", uri: "u1")
        #expect(table.subscribe(b, server: "s", uri: "u2", expires: until, now: at, limits: limits) == nil, "room again")
    }

    @Test func whenFullExpiredSessionsMakeRoomAndEndedOnesGoAtOnce() {
        let table = BridgedSubscriptions()
        let limits = BridgedSubscriptions.Limits(perSession: 8, total: 2)
        let (old, ended, new) = (Self.session(), Self.session(), Self.session())
        #expect(table.subscribe(old, server: "s", uri: "u", expires: 100, now: 0, limits: limits) == nil)
        #expect(table.subscribe(ended, server: "s", uri: "u", expires: 1000, now: 0, limits: limits) == nil)
        #expect(table.subscribe(new, server: "s", uri: "u", expires: 1000, now: 50, limits: limits) != nil, "full, nothing expired")
        #expect(table.subscribe(new, server: "s", uri: "u", expires: 1000, now: 150, limits: limits) == nil)
        #expect(table.set(client: old.nonce).isEmpty && table.total == 2)
        table.end(ended)
        #expect(table.set(client: ended.nonce).isEmpty && table.total == 1)
    }

    @Test func whoeverDeliversHearsOfEveryChangeButNotOfARepeat() {
        let table = BridgedSubscriptions()
        let heard = Mutex<[String]>([])
        table.onChange { _, server in heard.withLock { $0.append(server) } }
        let a = Self.session()
        let limits = BridgedSubscriptions.Limits(perSession: 8, total: 8)
        _ = table.subscribe(a, server: "s", uri: "u", expires: 1000, now: 0, limits: limits)
        _ = table.subscribe(a, server: "s", uri: "u", expires: 1000, now: 0, limits: limits)
        _ = table.subscribe(a, server: "t", uri: "u", expires: 1000, now: 0, limits: limits)
        table.unsubscribe(a, server: "s", uri: "nothing")
        table.unsubscribe(a, server: "s", uri: "u")
        table.end(a)
        #expect(heard.withLock { $0 } == ["s", "t", "s", "t"])
    }

    @Test func anUpdateReachesTheClientWithTheFederatedURI() throws {
        let frame = try tree(BridgedSubscriptions.updated(server: "newsrv", uri: "mem://x"))
        #expect(frame == (try tree(#"{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"newsrv+mem://x"}}"#)))
    }

    // MARK: the router

    static func harness(subscribes: Bool = true) -> RouterHarness {
        var config = Fixture.config()
        config.servers.append(ServerConfig(name: "newsrv", url: "http://newsrv:8000/mcp"))
        config.limits.maxBridgedSubscriptionsPerSession = 2
        var modern = DiscoveredServer(name: "newsrv", resources: [["uri": "mem://x", "name": "x"]], speaksHandshake: false, speaksModern: true)
        modern.subscribes = subscribes
        return RouterHarness(config: config, states: ["newsrv": .up(modern)])
    }

    func call(_ h: RouterHarness, _ token: String, _ method: String, _ uri: String) -> LocalReply? {
        h.post(#"{"jsonrpc":"2.0","id":5,"method":"\#(method)","params":{"uri":"\#(uri)"}}"#, session: token, version: "2025-11-25").localReply
    }

    @Test func theGatewayAnswersAndRemembersTheServersOwnURI() throws {
        let h = Self.harness()
        let token = try #require(h.openSession())
        let nonce = try #require(Fixture.signer.verify(token, now: UInt64(Fixture.t0))).nonce
        let subscribed = try #require(call(h, token, "resources/subscribe", "newsrv+mem://x"))
        #expect(subscribed.result == (try tree("{}")) && subscribed.status == 200)
        #expect(h.subscriptions.set(client: nonce).uris(on: "newsrv") == ["mem://x"])
        #expect(call(h, token, "resources/subscribe", "newsrv+mem://y")?.result != nil)
        let refused = try #require(call(h, token, "resources/subscribe", "newsrv+mem://z"))
        #expect(refused.errorCode == -32000 && refused.errorMessage?.contains("maxBridgedSubscriptionsPerSession") == true)
        #expect(call(h, token, "resources/unsubscribe", "newsrv+mem://x")?.result == (try tree("{}")))
        #expect(h.subscriptions.set(client: nonce).uris(on: "newsrv") == ["mem://y"])
        let deleted = h.router().route(head: MCPRequestHead(method: "DELETE", path: "/mcp", sessionID: token, protocolVersion: "2025-11-25",
                                                            accept: nil, identityDigest: ""))
        #expect(deleted?.localReply?.status == 200)
        #expect(h.subscriptions.set(client: nonce).isEmpty, "a DELETE ends the session's subscriptions")
    }

    @Test func aServerWithoutSubscriptionsIsAClearErrorNamingIt() throws {
        let h = Self.harness(subscribes: false)
        let token = try #require(h.openSession())
        let refused = try #require(call(h, token, "resources/subscribe", "newsrv+mem://x"))
        #expect(refused.errorCode == -32601 && refused.errorMessage?.contains("newsrv") == true)
        #expect(h.subscriptions.total == 0)
    }

    @Test func unknownResourcesAndSessionlessCallsAreRefusedAsBefore() throws {
        let h = Self.harness()
        let token = try #require(h.openSession())
        #expect(call(h, token, "resources/subscribe", "nosuch+mem://x")?.errorCode == -32602)
        let sessionless = h.post(#"{"jsonrpc":"2.0","id":5,"method":"resources/subscribe","params":{"uri":"newsrv+mem://x"}}"#).localReply
        #expect(sessionless?.errorCode != nil && h.subscriptions.total == 0)
    }

    /// `initialize` advertises `resources.subscribe` when a server that is up supports it, of
    /// either era: a 2026-07-28-only server's subscriptions reach handshake-era clients too.
    @Test(arguments: [true, false])
    func initializeAdvertisesSubscribeForAModernOnlyServer(_ subscribes: Bool) throws {
        let d = Self.harness(subscribes: subscribes).post(
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#)
        #expect(d.localReply?.result?["capabilities"]?["resources"]?["subscribe"]?.boolValue == subscribes)
    }
}
