import Foundation
@testable import HTTPClient

/// The shared servers; only touched by suites marked `.enabled(if: serverAvailable)`.
var server: TestServer { TestServer.shared! }
let serverAvailable = TestServer.shared != nil

/// A unique id for server-side counters and release gates, so parallel tests never share one.
func uniqueID() -> String { "\(UInt64.random(in: 0...UInt64.max))" }

func get(_ client: HTTPClient, _ url: String, timeout: Double = 10) throws(HTTPClientError) -> HTTPResponse {
    try client.send(HTTPRequest(url: url), timeout: timeout)
}

func jsonObject(_ response: HTTPResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

/// Runs `body` on its own thread after `delay` seconds (not a Swift task: tests block their
/// threads, and the cooperative pool is only as wide as the machine).
func onThread(after delay: Double, _ body: @escaping @Sendable () -> Void) {
    Thread.detachNewThread {
        Thread.sleep(forTimeInterval: delay)
        body()
    }
}
