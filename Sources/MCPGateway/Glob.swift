/// Shell-style globs (`*` any run, `?` one character) for tool filters and policy rules.
/// Matches Unicode scalars, not bytes, so `?` also stands for one non-ASCII character.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        // The shapes configs use, without allocating (policy rules and rate-limit rules are matched
        // on every call): `*`, a literal, `prefix*`. Byte comparisons, which for UTF-8 agree with the
        // scalar comparisons below (String's == would also equate canonically equivalent text).
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        let bytes = pattern.utf8
        switch bytes.firstIndex(where: { $0 == star || $0 == question }) {
        case nil:
            return bytes.elementsEqual(text.utf8)
        case let i? where bytes[i] == star && bytes.index(after: i) == bytes.endIndex:
            return text.utf8.starts(with: bytes[..<i])
        default:
            return general(pattern, text)
        }
    }

    private static func general(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1; ti += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
