import Foundation
import HTTP2
import Synchronization
import Testing
@testable import HTTPClient

/// The event-loop exchange relayed calls wait on: the same responses as the blocking client, no
/// thread held while waiting, and clear failures.
@Suite(.enabled(if: serverAvailable, "the Python test server could not start"))
struct LoopExchangeTests {
    final class Collected: @unchecked Sendable {
        var status = 0
        var body: [UInt8] = []
        var end: LoopHTTPExchange.End?
    }

    func run(_ url: String, timeout: Double = 5) throws -> Collected {
        let group = try EventLoopGroup(threads: 1)
        defer { group.stop() }
        let got = Collected()
        let done = Atomic<Bool>(false)
        let request = try HTTPRequest(url: url)
        _ = LoopHTTPExchange.start(request, on: group.loops[0], connectTimeout: timeout, headTimeout: timeout, idleTimeout: timeout,
                                   onHead: { got.status = $0.status }, onBody: { got.body += $0 },
                                   onEnd: { got.end = $0; done.store(true, ordering: .releasing) })
        let until = Date().addingTimeInterval(timeout + 2)
        while !done.load(ordering: .acquiring) && Date() < until { usleep(2000) }
        return got
    }

    @Test func readsAWholeResponse() throws {
        let got = try run(server.http + "/cl")
        #expect(got.end == .complete)
        #expect(got.status == 200)
        #expect(String(decoding: got.body, as: UTF8.self) == "hello, content-length")
    }

    @Test func aRefusedConnectIsAClearFailure() throws {
        // A port nothing listens on (bound then closed).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in(); addr.sin_family = sa_family_t(AF_INET); addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = UInt16(bigEndian: addr.sin_port)
        close(fd)
        let got = try run("http://127.0.0.1:\(port)/x")
        guard case .failed(let error)? = got.end else { Issue.record("expected a failure, got \(String(describing: got.end))"); return }
        switch error {
        case .connectFailed, .closedEarly: break
        default: Issue.record("unexpected \(error)")
        }
    }
}
