import JSONWire
@testable import MCPGateway
import Synchronization
import Testing

/// The UTF-8 bytes of `text`.
func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

/// `bytes` as text, for readable expectations.
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Parses `bytes` as a JSON tree; fails the test (by throwing) if they are not JSON.
func tree(_ bytes: [UInt8]) throws -> JSONValue { try JSONValue(parsing: bytes) }

/// Parses JSON text written in a test.
func tree(_ json: String) throws -> JSONValue { try JSONValue(parsing: json) }

/// The JSON-RPC error a parse attempt throws, or nil if it parses.
func rpcError(parsing json: String) -> JSONRPCError? {
    do {
        _ = try JSONRPCRequest(parsing: utf8(json)[...])
        return nil
    } catch {
        return error
    }
}

/// The config error `parse` throws, or nil if it accepts the file.
func configError(_ json: String, loader: GatewayConfigLoader = .fake()) -> ConfigError? {
    do {
        _ = try loader.parse(utf8(json))
        return nil
    } catch {
        return error
    }
}

extension GatewayConfigLoader {
    /// A loader whose file system and environment are the given dictionaries.
    static func fake(files: [String: String] = [:], env: [String: String] = [:]) -> GatewayConfigLoader {
        GatewayConfigLoader(readFile: { path in files[path].map { Array($0.utf8) } }, environment: { env[$0] })
    }
}

extension RouteDecision {
    var localReply: LocalReply? {
        if case .reply(let r) = self { return r }
        return nil
    }
    var forwardPlan: ForwardPlan? {
        if case .forward(let p) = self { return p }
        return nil
    }
    var streamPlan: StreamPlan? {
        if case .stream(let s) = self { return s }
        return nil
    }
}

extension LocalReply {
    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    var json: JSONValue? { try? JSONValue(parsing: body) }
    var errorCode: Int? { json?["error"]?["code"]?.intValue }
    var errorMessage: String? { json?["error"]?["message"]?.stringValue }
    var result: JSONValue? { json?["result"] }
}

extension ForwardPlan {
    func header(_ name: String) -> String? { setHeaders.first { $0.0 == name }?.1 }
}

/// A thread-safe box for values written from callbacks on any thread.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
    var value: Value { mutex.withLock { $0 } }
}
