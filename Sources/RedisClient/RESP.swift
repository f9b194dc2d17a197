/// RESP2, the Redis wire protocol: commands go out as arrays of bulk strings, replies come back
/// as one of five types. Pure code (no sockets), so every reply type and every malformed or
/// partial input is unit-tested.
public enum RESPValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int64)
    /// nil: the null bulk string (`$-1`).
    case bulk([UInt8]?)
    /// nil: the null array (`*-1`).
    case array([RESPValue]?)

    public var string: String? {
        switch self {
        case .simple(let s): s
        case .bulk(let b?): String(decoding: b, as: UTF8.self)
        case .integer(let i): String(i)
        default: nil
        }
    }

    public var isNil: Bool {
        switch self {
        case .bulk(nil), .array(nil): true
        default: false
        }
    }
}

public enum RESPError: Error, Sendable, Equatable {
    case malformed(String)
    case tooLarge
}

public enum RESP {
    /// A command as an array of bulk strings (binary-safe: no escaping, lengths only).
    public static func encode(_ args: [String]) -> [UInt8] {
        encode(args.map { Array($0.utf8) })
    }

    public static func encode(_ args: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + args.reduce(0) { $0 + $1.count + 16 })
        out.append(UInt8(ascii: "*"))
        out.append(contentsOf: String(args.count).utf8)
        out.append(contentsOf: [13, 10])
        for a in args {
            out.append(UInt8(ascii: "$"))
            out.append(contentsOf: String(a.count).utf8)
            out.append(contentsOf: [13, 10])
            out.append(contentsOf: a)
            out.append(contentsOf: [13, 10])
        }
        return out
    }

    /// Parses one reply from the front of `bytes` (starting at `from`). Returns the value and the
    /// index just past it, or nil when the bytes so far are an incomplete reply (read more).
    /// Throws on bytes that can never become a valid reply. `maxBulk` bounds one bulk string and
    /// `maxDepth` the nesting, so a hostile or broken peer cannot make us allocate without bound.
    public static func parse(_ bytes: [UInt8], from start: Int = 0, maxBulk: Int = 64 << 20,
                             maxDepth: Int = 8) throws(RESPError) -> (RESPValue, Int)? {
        try parseValue(bytes, start, maxBulk: maxBulk, depth: maxDepth)
    }

    private static func line(_ b: [UInt8], _ i: Int) throws(RESPError) -> (String, Int)? {
        var j = i
        while j < b.count {
            if b[j] == 13 {
                guard j + 1 < b.count else { return nil }
                guard b[j + 1] == 10 else { throw .malformed("CR without LF") }
                return (String(decoding: b[i..<j], as: UTF8.self), j + 2)
            }
            if b[j] == 10 { throw .malformed("LF without CR") }
            j += 1
        }
        return nil
    }

    private static func number(_ s: String) throws(RESPError) -> Int64 {
        guard !s.isEmpty, s.count <= 20, let n = Int64(s) else { throw .malformed("bad number \"\(s.prefix(24))\"") }
        return n
    }

    private static func parseValue(_ b: [UInt8], _ i: Int, maxBulk: Int, depth: Int) throws(RESPError) -> (RESPValue, Int)? {
        guard i < b.count else { return nil }
        guard depth > 0 else { throw .malformed("nested too deeply") }
        let type = b[i]
        guard let head = try line(b, i + 1) else { return nil }
        let (text, next) = head
        switch type {
        case UInt8(ascii: "+"): return (.simple(text), next)
        case UInt8(ascii: "-"): return (.error(text), next)
        case UInt8(ascii: ":"): return (.integer(try number(text)), next)
        case UInt8(ascii: "$"):
            let n = try number(text)
            if n == -1 { return (.bulk(nil), next) }
            guard n >= 0 else { throw .malformed("negative length") }
            guard n <= maxBulk else { throw .tooLarge }
            let end = next + Int(n)
            guard end + 2 <= b.count else { return nil }
            guard b[end] == 13, b[end + 1] == 10 else { throw .malformed("bulk string not followed by CRLF") }
            return (.bulk(Array(b[next..<end])), end + 2)
        case UInt8(ascii: "*"):
            let n = try number(text)
            if n == -1 { return (.array(nil), next) }
            guard n >= 0 else { throw .malformed("negative length") }
            guard n <= 1 << 20 else { throw .tooLarge }
            var items: [RESPValue] = []
            var at = next
            for _ in 0..<n {
                guard let item = try parseValue(b, at, maxBulk: maxBulk, depth: depth - 1) else { return nil }
                items.append(item.0)
                at = item.1
            }
            return (.array(items), at)
        default:
            throw .malformed("unknown reply type byte \(type)")
        }
    }
}
