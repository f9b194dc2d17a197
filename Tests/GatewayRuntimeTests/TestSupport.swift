#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GatewayRuntime
import JSONWire
import Synchronization
import Testing

/// An event stream that records what the hub sends, and closes like the admin port's: once,
/// running the close handlers.
final class RecordingSink: EventStreamSink {
    private struct State {
        var sent: [[UInt8]] = []
        var closed = false
        var handlers: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    func send(_ bytes: [UInt8]) {
        state.withLock { if !$0.closed { $0.sent.append(bytes) } }
    }

    func close() {
        let handlers: [@Sendable () -> Void] = state.withLock { s in
            guard !s.closed else { return [] }
            s.closed = true
            defer { s.handlers = [] }
            return s.handlers
        }
        for h in handlers { h() }
    }

    func onClose(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { s in
            if s.closed { return true }
            s.handlers.append(handler)
            return false
        }
        if now { handler() }
    }

    var sent: [String] { state.withLock { $0.sent.map { String(decoding: $0, as: UTF8.self) } } }
    var isClosed: Bool { state.withLock { $0.closed } }
}

/// A fresh directory under /tmp, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "gateway-runtime-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) {
        FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The data of each SSE `message` event in `frames`, parsed.
func messages(_ frames: [String]) throws -> [JSONValue] {
    try frames.filter { $0.hasPrefix("event: message\ndata: ") }.map { frame in
        #expect(frame.hasSuffix("\n\n"))
        return try JSONValue(parsing: Array(frame.dropFirst("event: message\ndata: ".count).dropLast(2).utf8))
    }
}

/// Series lines of `family` in Prometheus text (`name{labels} value`), labels → value.
func series(_ text: String, _ family: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in text.split(separator: "\n") where line.hasPrefix(family + "{") || line.hasPrefix(family + " ") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let head = line[..<space]
        let labels = head.hasPrefix(family + "{") ? String(head.dropFirst(family.count)) : ""
        out[labels] = String(line[line.index(after: space)...])
    }
    return out
}
