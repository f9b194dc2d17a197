@testable import MCPGateway
import Testing

/// A store with Redis's semantics for these calls, in memory (the Redis side is tested end to end
/// in tests/test_shared_state.py against a real redis-server).
final class MemorySessionStore: SharedSessionStore {
    let records = Locked<[String: String]>([:])
    let ttls = Locked<[String: Int]>([:])
    let down = Locked(false)
    /// Runs between our lookup and our claim: another replica recording its session first.
    let beforeClaim = Locked<(@Sendable () -> Void)?>(nil)

    func lookup(_ key: String) -> SharedSessionLookup {
        if down.value { return .unavailable }
        return records.value[key].map { .found($0) } ?? .absent
    }

    func claim(_ key: String, session: String, ttlSeconds: Int, replacing: String?) -> String? {
        if down.value { return nil }
        beforeClaim.value?()
        return records.withLock { r in
            if let cur = r[key], cur != replacing { return cur }
            r[key] = session
            ttls.withLock { $0[key] = ttlSeconds }
            return session
        }
    }

    func forget(_ list: [(key: String, session: String)]) {
        records.withLock { r in for (k, s) in list where r[k] == s { r[k] = nil } }
    }

    func take(_ keys: [String]) -> [String?] {
        records.withLock { r in keys.map { r.removeValue(forKey: $0) } }
    }
}

@Suite struct SharedBackendSessionsTests {
    let key = SharedBackendSessions.key(nonce: [1, 2, 3], server: "calc")

    func resolve(_ store: MemorySessionStore, replacing: String? = nil, ttl: Int = 100, made: String = "mine",
                 created: Locked<Int> = Locked(0), ended: Locked<[String]> = Locked([])) -> (Result<String, JSONRPCError>, SharedSessionOutcome?) {
        SharedBackendSessions.resolve(store: store, key: key, ttlSeconds: ttl, replacing: replacing,
                                      create: { created.withLock { $0 += 1 }; return .success(made) },
                                      end: { id in ended.withLock { $0.append(id) } })
    }

    @Test func aRecordedSessionIsAdoptedWithoutCreating() throws {
        let store = MemorySessionStore()
        store.records.withLock { $0[key] = "theirs" }
        let created = Locked(0)
        let (result, outcome) = resolve(store, created: created)
        #expect(try result.get() == "theirs")
        #expect(outcome == .adopted)
        #expect(created.value == 0)
    }

    @Test func aMissCreatesAndRecordsWithTheClientSessionsRemainingLifetime() throws {
        let store = MemorySessionStore()
        let (result, outcome) = resolve(store, ttl: 42)
        #expect(try result.get() == "mine")
        #expect(outcome == .created)
        #expect(store.records.value[key] == "mine")
        #expect(store.ttls.value[key] == 42)
    }

    @Test func theLoserOfACreationRaceEndsItsOwnAndAdoptsTheWinners() throws {
        let store = MemorySessionStore()
        store.beforeClaim.withLock { $0 = { [key] in store.records.withLock { $0[key] = "winner" } } }
        let ended = Locked<[String]>([])
        let (result, outcome) = resolve(store, ended: ended)
        #expect(try result.get() == "winner")
        #expect(outcome == .lostRace)
        #expect(ended.value == ["mine"])
        #expect(store.records.value[key] == "winner")
    }

    @Test func aSessionSeenDeadIsNeverAdoptedButOverwritten() throws {
        let store = MemorySessionStore()
        store.records.withLock { $0[key] = "dead" }
        let created = Locked(0)
        let (result, outcome) = resolve(store, replacing: "dead", created: created)
        #expect(try result.get() == "mine")
        #expect(outcome == .created)
        #expect(created.value == 1)
        #expect(store.records.value[key] == "mine")
    }

    @Test func storeDownMeansThisReplicasOwnSessionAndNothingRecorded() throws {
        let store = MemorySessionStore()
        store.down.withLock { $0 = true }
        let (result, outcome) = resolve(store)
        #expect(try result.get() == "mine")
        #expect(outcome == .local)
        store.down.withLock { $0 = false }
        #expect(store.records.value.isEmpty)
    }

    @Test func anExpiringClientSessionIsNotRecorded() throws {
        let store = MemorySessionStore()
        let (_, outcome) = resolve(store, ttl: 0)
        #expect(outcome == .local)
        #expect(store.records.value.isEmpty)
    }

    @Test func aFailedCreationRecordsNothing() {
        let store = MemorySessionStore()
        let (result, outcome) = SharedBackendSessions.resolve(store: store, key: key, ttlSeconds: 100, replacing: nil,
                                                              create: { .failure(.serverUnavailable("calc", "down")) }, end: { _ in })
        #expect((try? result.get()) == nil)
        #expect(outcome == nil)
        #expect(store.records.value.isEmpty)
    }
}

/// What the table tells the shared record, and what it hands its creator.
final class RecordingSharing: BackendSessionSharing {
    let forgotten = Locked<[String]>([])
    let ended = Locked<[[String]]>([])
    func forgot(_ records: [(key: String, session: String)]) { forgotten.withLock { $0 += records.map { "\($0.key)=\($0.session)" } } }
    func ended(nonce: [UInt8], known: [(server: String, session: String)]) { ended.withLock { $0.append(known.map(\.session).sorted()) } }
}

@Suite struct BackendSessionTableSharingTests {
    let alice = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "alice", now: 1000)

    @Test func invalidationsAndEndingsReachTheSharedRecord() {
        let sharing = RecordingSharing()
        let requests = Locked<[BackendSessionRequest]>([])
        let n = Locked(0)
        let table = BackendSessionTable(sessionTTL: 500, sharing: sharing) { request, completion in
            requests.withLock { $0.append(request) }
            completion(.success("s\(n.withLock { $0 += 1; return $0 })"))
        }
        table.withSession(client: alice, server: "calc") { _ in }
        table.withSession(client: alice, server: "phys") { _ in }
        #expect(requests.value.map(\.shared) == [true, true])
        #expect(requests.value.first?.expires == 1500, "the record lives as long as the client session")

        let calcKey = SharedBackendSessions.key(nonce: alice.nonce, server: "calc")
        table.invalidate(client: alice, server: "calc", backendSession: "s1")
        #expect(sharing.forgotten.value == ["\(calcKey)=s1"])
        table.withSession(client: alice, server: "calc", replacing: "s1") { _ in }
        #expect(requests.value.last?.replacing == "s1", "a creation after a 404 must not adopt the dead session")

        #expect(table.invalidateAll(server: "phys") == 1)
        #expect(sharing.forgotten.value.last == "\(SharedBackendSessions.key(nonce: alice.nonce, server: "phys"))=s2")

        #expect(table.removeAll(client: alice).map(\.session) == ["s3"])
        #expect(sharing.ended.value == [["s3"]])
    }

    @Test func aOneCallSessionIsNeverShared() {
        let requests = Locked<[BackendSessionRequest]>([])
        let table = BackendSessionTable(sharing: RecordingSharing()) { request, completion in
            requests.withLock { $0.append(request) }
            completion(.success("x"))
        }
        table.createUnshared(client: alice, server: "calc") { _ in }
        #expect(requests.value.map(\.shared) == [false])
    }
}
