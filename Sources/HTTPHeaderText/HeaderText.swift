/// The one place where text becomes an HTTP header value.
///
/// Anything that reaches a header (a 401 challenge quoting a token's `alg`, a `retry-after`, an admin
/// response's head) goes through here, because a CR or LF in a header value splits the response: the
/// bytes after it become headers, or a second response, of the attacker's choosing. Only visible
/// ASCII (0x21–0x7E) and space pass; every other byte — CR, LF, NUL, the other controls, DEL, each
/// byte of a non-ASCII character — becomes `%XX` (upper-case hex). The result is for people and
/// logs to read, not to decode: a `%` that was already in the text stays as is.
public enum HeaderText {
    /// `text` as a header value: visible ASCII and space only.
    public static func value(_ text: some StringProtocol) -> String {
        escaped(text, alsoEscaping: { _ in false })
    }

    /// `value(text)`'s UTF-8 bytes, for wire formats that carry header values as bytes (ext_proc's
    /// `raw_value`). On the path of every forwarded request: one pass over contiguous bytes and one
    /// copy, instead of a generic walk over the string's view and a second copy.
    public static func bytes(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { utf8 in
            var clean = true
            for b in utf8 where !isAllowed(b) { clean = false; break }
            if clean { return Array(utf8) }
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + 16)
            for b in utf8 { appendEscaping(b, to: &out, extra: false) }
            return out
        }
    }

    /// `text` as an RFC 9110 quoted-string (surrounding quotes included), for auth-param values such
    /// as `error_description`: as `value`, and `"` and `\` — which would end the string or start a
    /// quoted-pair — become `%22` and `%5C`.
    public static func quoted(_ text: some StringProtocol) -> String {
        "\"" + escaped(text, alsoEscaping: { $0 == 0x22 || $0 == 0x5C }) + "\""
    }

    /// Whether `byte` may appear in a value this type produces.
    @inline(__always)
    public static func isAllowed(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x21 && byte <= 0x7E) }

    private static func escaped(_ text: some StringProtocol, alsoEscaping extra: (UInt8) -> Bool) -> String {
        let utf8 = text.utf8
        // Fast path: the usual value (a number, a token, a URL) is returned without copying bytes.
        if utf8.allSatisfy({ isAllowed($0) && !extra($0) }) { return String(text) }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 { appendEscaping(b, to: &out, extra: extra(b)) }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    private static func appendEscaping(_ b: UInt8, to out: inout [UInt8], extra: Bool) {
        if isAllowed(b) && !extra {
            out.append(b)
        } else {
            out.append(0x25)
            out.append(hexDigit(b >> 4))
            out.append(hexDigit(b & 0x0F))
        }
    }

    @inline(__always)
    private static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 0x30 + n : 0x41 + n - 10 }
}
