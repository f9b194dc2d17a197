/// Just enough JSON for a benchmark backend: walk the top-level object of a JSON-RPC message and
/// return the raw byte ranges of `method`, `id` and `params.name`, skipping every other value
/// by bracket matching. No allocation beyond the result, no unescaping (method and tool names in
/// this benchmark are plain ASCII), no Foundation.
struct JSONRPCPeek {
    /// The method name's bytes (between the quotes), if present.
    var method: Range<Int>?
    /// The id value exactly as sent (`7`, `"abc"`), if present: echoed back verbatim.
    var id: Range<Int>?
    /// `params.name` (between the quotes), for tools/call.
    var paramsName: Range<Int>?
    /// Top level was a JSON object (not an array batch, not garbage).
    var isObject = false

    init(_ b: UnsafeBufferPointer<UInt8>) {
        var i = Self.skipSpace(b, 0)
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return }
        isObject = true
        i += 1
        while true {
            i = Self.skipSpace(b, i)
            guard i < b.count else { return }
            if b[i] == UInt8(ascii: "}") { return }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "\""), let keyEnd = Self.stringEnd(b, i) else { isObject = false; return }
            let key = (i + 1)..<keyEnd
            i = Self.skipSpace(b, keyEnd + 1)
            guard i < b.count, b[i] == UInt8(ascii: ":") else { isObject = false; return }
            i = Self.skipSpace(b, i + 1)
            guard let valueEnd = Self.valueEnd(b, i) else { isObject = false; return }
            let value = i..<valueEnd
            if Self.equals(b, key, "method") {
                if b[i] == UInt8(ascii: "\"") { method = (i + 1)..<(valueEnd - 1) }
            } else if Self.equals(b, key, "id") {
                id = value
            } else if Self.equals(b, key, "params"), b[i] == UInt8(ascii: "{") {
                paramsName = Self.findName(b, value)
            }
            i = valueEnd
        }
    }

    /// `name` among the keys of the object spanning `range`.
    private static func findName(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        var i = range.lowerBound + 1
        let end = range.upperBound - 1
        while i < end {
            i = skipSpace(b, i)
            guard i < end else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "\""), let keyEnd = stringEnd(b, i) else { return nil }
            let key = (i + 1)..<keyEnd
            i = skipSpace(b, keyEnd + 1)
            guard i < end, b[i] == UInt8(ascii: ":") else { return nil }
            i = skipSpace(b, i + 1)
            guard let valueEnd = valueEnd(b, i) else { return nil }
            if equals(b, key, "name"), b[i] == UInt8(ascii: "\"") { return (i + 1)..<(valueEnd - 1) }
            i = valueEnd
        }
        return nil
    }

    static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i
    }

    /// Index of the closing quote of the string opening at `start`.
    static func stringEnd(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var i = start + 1
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if c == UInt8(ascii: "\"") { return i }
            i += 1
        }
        return nil
    }

    /// One past the end of the value starting at `start`.
    static func valueEnd(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        guard start < b.count else { return nil }
        switch b[start] {
        case UInt8(ascii: "\""):
            return stringEnd(b, start).map { $0 + 1 }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var i = start
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""):
                    guard let e = stringEnd(b, i) else { return nil }
                    i = e
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            return nil
        default:
            var i = start
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { break }
                i += 1
            }
            return i > start ? i : nil
        }
    }

    static func equals(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ s: StaticString) -> Bool {
        guard r.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<r.count where b[r.lowerBound + k] != p[k] { return false }
        return true
    }
}
