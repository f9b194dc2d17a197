import JSONWire

/// The parts of one JSON-RPC message the gateway needs, located without building a tree.
///
/// `id` keeps the client's exact bytes (`7`, `"abc"`, `1.50`) so replies echo it byte for byte;
/// `params` and `name` are byte ranges so a tool call's name can be spliced while every other
/// byte of the body stays as the client sent it.
public struct JSONRPCRequest: Sendable {
    public enum Kind: Sendable, Equatable {
        case request
        case notification
        /// A JSON-RPC response or error the client posts back (to a server→client request).
        case response
    }

    public let scanner: JSONScanner
    public let kind: Kind
    public let method: String
    /// Raw id bytes, nil for notifications.
    public let idRange: Range<Int>?
    public let paramsRange: Range<Int>?

    public var body: ArraySlice<UInt8> { scanner.bytes }
    public var rawID: ArraySlice<UInt8>? { idRange.map { scanner.bytes[$0] } }

    /// Parses one message. Throws a JSON-RPC error carrying the right code: -32700 for bytes that
    /// are not JSON, -32600 for JSON that is not a JSON-RPC 2.0 message.
    public init(parsing bytes: ArraySlice<UInt8>) throws(JSONRPCError) {
        let scanner: JSONScanner
        do { scanner = try JSONScanner(bytes) } catch { throw .parseError(error.description) }
        self.scanner = scanner
        switch scanner.kind(at: scanner.root) {
        case .object: break
        case .array: throw JSONRPCError.invalidRequest("batches are not supported; send one JSON-RPC message per request")
        default: throw JSONRPCError.invalidRequest("the body must be a JSON-RPC object")
        }
        let found = scanner.lastMembers(named: ["jsonrpc", "id", "method", "params", "result", "error"], in: scanner.root)
        guard let version = found[0], scanner.string(at: version, equals: "2.0") else {
            throw JSONRPCError.invalidRequest("\"jsonrpc\" must be \"2.0\"")
        }
        if let id = found[1] {
            switch scanner.kind(at: id) {
            case .string, .number: break
            case .null: throw JSONRPCError.invalidRequest("\"id\" must not be null")
            default: throw JSONRPCError.invalidRequest("\"id\" must be a string or a number")
            }
        }
        idRange = found[1]
        if let method = found[2] {
            guard let m = scanner.string(at: method) else { throw JSONRPCError.invalidRequest("\"method\" must be a string") }
            self.method = m
            kind = found[1] == nil ? .notification : .request
        } else if found[4] != nil || found[5] != nil, found[1] != nil {
            self.method = ""
            kind = .response
        } else {
            throw JSONRPCError.invalidRequest("missing \"method\"")
        }
        if let params = found[3] {
            switch scanner.kind(at: params) {
            case .object, .array: break
            default: throw JSONRPCError.invalidRequest("\"params\" must be an object or an array")
            }
        }
        paramsRange = found[3]
    }

    /// A member of `params`, by name (last wins on duplicates).
    public func param(_ name: String) -> Range<Int>? {
        guard let params = paramsRange, scanner.kind(at: params) == .object else { return nil }
        return scanner.lastMember(named: name, in: params)
    }

    public func stringParam(_ name: String) -> String? {
        param(name).flatMap { scanner.string(at: $0) }
    }

    /// The body with `range` replaced by `replacement`; every other byte untouched.
    public func splicing(_ range: Range<Int>, with replacement: [UInt8]) -> [UInt8] {
        scanner.replacing(range, with: replacement)
    }
}
