import Dispatch
@testable import MCPGateway
import Testing

/// A creator that records each call and lets the test decide when and how it completes.
final class ScriptedCreator: Sendable {
    let pending = Locked<[(server: String, completion: BackendSessionTable.Completion)]>([])
    let calls = Locked<[String]>([])
    /// What each creation was handed: the client's initialize facts and the log level.
    let handed = Locked<[(clientInit: [UInt8], level: String?)]>([])
    /// When set, completes immediately with this id prefix (`<prefix>-<server>-<n>`).
    let immediate: String?

    init(immediate: String? = nil) { self.immediate = immediate }

    var creator: BackendSessionTable.Creator {
        { [self] request, completion in
            let server = request.server
            handed.withLock { $0.append((request.client.clientInit, request.logLevel)) }
            let n = calls.withLock { $0.append(server); return $0.count }
            if let immediate { completion(.success("\(immediate)-\(server)-\(n)")) } else {
                pending.withLock { $0.append((server, completion)) }
            }
        }
    }

    /// Completes the oldest pending creation.
    func complete(_ result: Result<String, JSONRPCError>) {
        let next = pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        next?.completion(result)
    }

    var callCount: Int { calls.value.count }
}

/// Collects completion results.
final class Results: Sendable {
    let items = Locked<[Result<String, JSONRPCError>]>([])
    var completion: BackendSessionTable.Completion { { [self] r in items.withLock { $0.append(r) } } }
    var ids: [String] { items.value.compactMap { if case .success(let id) = $0 { id } else { nil } } }
    var failures: [JSONRPCError] { items.value.compactMap { if case .failure(let e) = $0 { e } else { nil } } }
    var count: Int { items.value.count }
}

@Suite struct BackendSessionTableTests {
    let alice = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "alice", now: 1)
    let bob = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "bob", now: 1)

    @Test func firstCallCreatesLaterCallsReuse() {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        table.withSession(client: alice, server: "calc", results.completion)
        #expect(results.ids == ["b-calc-1"], "an immediate creator completes on the calling thread")
        table.withSession(client: alice, server: "calc", results.completion)
        #expect(results.ids == ["b-calc-1", "b-calc-1"])
        #expect(creator.callCount == 1)
        #expect(table.count == 1)
    }

    @Test func waitersShareOnePendingCreation() {
        let creator = ScriptedCreator()
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        for _ in 0..<3 { table.withSession(client: alice, server: "calc", results.completion) }
        #expect(results.count == 0)
        #expect(creator.callCount == 1)
        creator.complete(.success("S1"))
        #expect(results.ids == ["S1", "S1", "S1"])
    }

    @Test func fiftyConcurrentFirstCallsCreateOnce() async throws {
        let creator = ScriptedCreator()
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 50) { _ in
            table.withSession(client: alice, server: "calc", results.completion)
        }
        #expect(creator.callCount == 1)
        #expect(results.count == 0)
        // Complete from another thread, as a real creator would.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                creator.complete(.success("backend-1"))
                done.resume()
            }
        }
        #expect(results.count == 50)
        #expect(Set(results.ids) == ["backend-1"])
        #expect(results.ids.count == 50)
    }

    @Test func concurrentFirstCallsRacingAnAsyncCompletion() {
        // The creator completes on another thread while calls are still arriving: whatever the
        // interleaving, one creation and one id.
        let calls = Locked(0)
        let table = BackendSessionTable { request, completion in
            calls.withLock { $0 += 1 }
            DispatchQueue.global().async { completion(.success("id-\(request.server)")) }
        }
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<50 { group.enter() }
        DispatchQueue.concurrentPerform(iterations: 50) { _ in
            table.withSession(client: alice, server: "calc") { r in
                results.completion(r)
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(calls.value == 1)
        #expect(results.ids == Array(repeating: "id-calc", count: 50))
    }

    @Test func differentServersAndSessionsCreateSeparately() {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(shardCount: 4, creator: creator.creator)
        let results = Results()
        table.withSession(client: alice, server: "calc", results.completion)
        table.withSession(client: alice, server: "phys", results.completion)
        table.withSession(client: bob, server: "calc", results.completion)
        table.withSession(client: alice, server: "phys", results.completion)
        #expect(creator.calls.value == ["calc", "phys", "calc"])
        #expect(results.ids == ["b-calc-1", "b-phys-2", "b-calc-3", "b-phys-2"])
        #expect(table.count == 3)
    }

    @Test func failureDeliveredToAllWaitersAndNotCached() {
        let creator = ScriptedCreator()
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        for _ in 0..<4 { table.withSession(client: alice, server: "calc", results.completion) }
        let error = JSONRPCError.serverUnavailable("calc", "initialize failed")
        creator.complete(.failure(error))
        #expect(results.failures == Array(repeating: error, count: 4))
        #expect(table.count == 0)

        // The next call tries again.
        let retry = Results()
        table.withSession(client: alice, server: "calc", retry.completion)
        #expect(creator.callCount == 2)
        creator.complete(.success("S2"))
        #expect(retry.ids == ["S2"])
    }

    @Test func invalidateRemovesOnlyTheMatchingId() {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        table.withSession(client: alice, server: "calc", results.completion)
        #expect(results.ids == ["b-calc-1"])

        table.invalidate(client: alice, server: "calc", backendSession: "stale-id")
        table.invalidate(client: bob, server: "calc", backendSession: "b-calc-1")
        table.invalidate(client: alice, server: "phys", backendSession: "b-calc-1")
        table.withSession(client: alice, server: "calc", results.completion)
        #expect(creator.callCount == 1, "a non-matching invalidate keeps the session")

        table.invalidate(client: alice, server: "calc", backendSession: "b-calc-1")
        #expect(table.count == 0)
        table.withSession(client: alice, server: "calc", results.completion)
        #expect(creator.callCount == 2)
        #expect(results.ids == ["b-calc-1", "b-calc-1", "b-calc-2"])
    }

    @Test func invalidateDoesNotTouchAPendingCreation() {
        let creator = ScriptedCreator()
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        table.withSession(client: alice, server: "calc", results.completion)
        table.invalidate(client: alice, server: "calc", backendSession: "anything")
        creator.complete(.success("S1"))
        #expect(results.ids == ["S1"])
        #expect(table.count == 1)
    }

    @Test func removeAllReturnsTheSessionsEntries() {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        table.withSession(client: alice, server: "calc", results.completion)
        table.withSession(client: alice, server: "phys", results.completion)
        table.withSession(client: bob, server: "calc", results.completion)

        let removed = table.removeAll(client: alice).map { "\($0.server)=\($0.session)" }.sorted()
        #expect(removed == ["calc=b-calc-1", "phys=b-phys-2"])
        #expect(table.count == 1)
        #expect(table.removeAll(client: alice).isEmpty)
        #expect(table.removeAll(client: bob).map(\.session) == ["b-calc-3"])
        #expect(table.count == 0)
    }

    @Test func removeAllDuringCreationStillAnswersTheWaiters() {
        // A DELETE racing a first tools/call: the call waiting on the backend session must get
        // an answer, not hang.
        let creator = ScriptedCreator()
        let table = BackendSessionTable(creator: creator.creator)
        let results = Results()
        table.withSession(client: alice, server: "calc", results.completion)
        table.withSession(client: alice, server: "calc", results.completion)
        table.withSession(client: bob, server: "calc", results.completion)
        #expect(table.removeAll(client: alice).isEmpty, "nothing ready to end yet")
        #expect(results.failures == [.unknownSession(), .unknownSession()])
        creator.complete(.success("late"))
        #expect(results.count == 2, "the late creation has nobody left to answer")
        #expect(table.count == 1, "an ended session keeps no backend entry; bob's creation is still pending")
        creator.complete(.success("bob-1"))
        #expect(results.ids == ["bob-1"])
    }
}

@Suite struct BackendSessionRestartTests {
    @Test func invalidateAllForgetsOnlyThatServersReadySessions() throws {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(creator: creator.creator)
        let clients = (0..<40).map { i in Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0) + UInt64(i)) }
        for c in clients {
            table.withSession(client: c, server: "calc") { _ in }
            table.withSession(client: c, server: "phys") { _ in }
        }
        #expect(creator.callCount == 80)
        #expect(table.invalidateAll(server: "calc") == 40)
        #expect(table.invalidateAll(server: "calc") == 0)
        let results = Results()
        table.withSession(client: clients[3], server: "phys", results.completion)  // still known: no creation
        #expect(creator.callCount == 80)
        table.withSession(client: clients[3], server: "calc", results.completion)  // renewed on next use
        #expect(creator.callCount == 81)
        #expect(results.ids.last == "b-calc-81")
    }
}

@Suite struct BackendSessionClientFactsTests {
    let facts = Array(#"{"capabilities":{"elicitation":{}},"clientInfo":{"name":"c","version":"1"}}"#.utf8)

    @Test func creationGetsTheClientsFactsAndLevel() {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(creator: creator.creator)
        let client = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", clientInit: facts, now: 1)
        let results = Results()
        table.withSession(client: client, server: "calc", results.completion)
        #expect(creator.handed.value.first?.clientInit == facts)
        #expect(creator.handed.value.first?.level == nil)
        // setLevel reaches the sessions that exist, and is handed to the ones opened later.
        let existing = table.setLogLevel(client: client, level: "warning")
        #expect(existing.map(\.server) == ["calc"])
        table.withSession(client: client, server: "phys", results.completion)
        #expect(creator.handed.value.last?.level == "warning")
        #expect(table.sessions(client: client).map(\.server) == ["calc", "phys"])
        // Ending the session forgets the level too.
        _ = table.removeAll(client: client)
        table.withSession(client: client, server: "calc", results.completion)
        #expect(creator.handed.value.last?.level == nil)
    }

    @Test func anotherClientsSessionsAreNotListed() {
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(creator: creator.creator)
        let a = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1)
        let b = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1)
        table.withSession(client: a, server: "calc", Results().completion)
        #expect(table.sessions(client: b).isEmpty)
        #expect(table.setLogLevel(client: b, level: "debug").isEmpty)
    }
}
