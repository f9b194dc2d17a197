/// A validated JSON document, navigated by byte ranges instead of a tree.
///
/// `init` validates the whole text once (strict RFC 8259: grammar, escapes, UTF-8, a nesting
/// limit) and throws `JSONError` if it is not one valid JSON value. That is the only place a
/// parse error can come from, which maps cleanly onto JSON-RPC: a throwing `init` is `-32700`;
/// a navigation call answering nil (no such member, not an object, not a string) is a
/// structural problem (`-32600` / `-32602`).
///
/// After validation, navigation (`members`, `lastMember`, `elements`, ...) runs on the fast
/// trusted path: it only tracks quotes, backslashes and bracket balance, so stepping over a
/// large `arguments` value costs a word-at-a-time sweep, never a copy or a tree. Values are
/// identified by `Range<Int>` indices into `bytes`, spanning exactly the value's token(s) with
/// no surrounding whitespace, so `bytes[range]` is the value byte-exact (what a JSON-RPC `id`
/// echo needs) and can be spliced into output as is (`JSONWriter.raw`).
///
/// ```swift
/// let request = try JSONScanner(body)                       // throws → -32700
/// let f = request.lastMembers(named: ["jsonrpc", "id", "method", "params"], in: request.root)
/// guard let method = f[2], request.string(at: method, equals: "tools/call"),
///       let params = f[3], let name = request.lastMember(named: "name", in: params)
/// else { /* -32600 / -32602 */ }
/// let renamed = request.replacing(name, with: JSONValue.string("add").serializedBytes())
/// ```
///
/// Ranges passed back in are expected to come from this scanner. Any other range is safe (it is
/// bounds-checked, and the trusted routines never read outside the value's bounds) but may give
/// meaningless answers.
public struct JSONScanner: Sendable {
    /// Deep enough for any real MCP message, shallow enough that a hostile document cannot make
    /// consumers that *do* recurse (tree building, deinit of a `JSONValue`) overflow the stack.
    public static let defaultMaxDepth = 128

    /// The document. Held, not copied: an `ArraySlice` of the caller's array shares its storage.
    public let bytes: ArraySlice<UInt8>
    /// Objects and arrays may nest at most this deep (a scalar at top level is depth 0).
    public let maxDepth: Int
    /// The top-level value, without the whitespace around it.
    public let root: Range<Int>

    /// Validates `bytes` as one JSON text (whitespace allowed around the value).
    public init(_ bytes: ArraySlice<UInt8>, maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try RawBytes(buffer).validateDocument(maxDepth: maxDepth) }
        }
        let root = try result.get()
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.root = (root.lowerBound + bytes.startIndex)..<(root.upperBound + bytes.startIndex)
    }

    /// Validates `bytes` as one JSON text (whitespace allowed around the value).
    public init(_ bytes: [UInt8], maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        try self.init(bytes[...], maxDepth: maxDepth)
    }

    /// Validates the UTF-8 of `text` as one JSON text. Copies the bytes once.
    public init(_ text: String, maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        try self.init(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Validates raw memory as one JSON text without copying or retaining it.
    /// - Returns: the byte offsets of the top-level value within `buffer`.
    @discardableResult
    public static func validate(_ buffer: UnsafeRawBufferPointer,
                                maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) -> Range<Int> {
        try RawBytes(buffer).validateDocument(maxDepth: maxDepth)
    }

    /// Validates `bytes` as one JSON text without keeping a scanner.
    /// - Returns: the indices of the top-level value.
    @discardableResult
    public static func validate(_ bytes: [UInt8],
                                maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) -> Range<Int> {
        try JSONScanner(bytes[...], maxDepth: maxDepth).root
    }

    // MARK: - Internal plumbing between public indices and the raw view

    /// `range` as offsets from the start of `bytes`, or nil if it is empty or out of bounds.
    @inline(__always)
    func relative(_ range: Range<Int>) -> Range<Int>? {
        guard range.lowerBound >= bytes.startIndex, range.upperBound <= bytes.endIndex,
              range.lowerBound < range.upperBound else { return nil }
        return (range.lowerBound - bytes.startIndex)..<(range.upperBound - bytes.startIndex)
    }

    @inline(__always)
    func absolute(_ range: Range<Int>) -> Range<Int> {
        (range.lowerBound + bytes.startIndex)..<(range.upperBound + bytes.startIndex)
    }

    /// Runs `body` on the raw view, limited to offsets below `limit`.
    @inline(__always)
    func withRaw<R>(limit: Int, _ body: (RawBytes) -> R) -> R {
        bytes.withUnsafeBytes { body(RawBytes($0, limit: limit)) }
    }
}
