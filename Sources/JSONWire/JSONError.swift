/// Why a byte buffer is not one valid RFC 8259 JSON text.
///
/// Every failure of the scanner and of `JSONValue` parsing is one of these (the API uses typed
/// throws), so the gateway can map any of them to JSON-RPC `-32700` without string matching, and
/// build its message from `description` ("Parse error at byte 17: ..."). Neither the kind nor the
/// message carries more than one byte of the input: bodies are attacker-controlled and can be large.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The input ended inside a value (or held no value at all).
        case unexpectedEnd
        /// A byte that cannot start or continue the construct being read at `offset`
        /// (e.g. `]` after a comma, a missing `:` or `,`, a stray letter). Carries that byte.
        case unexpectedByte(UInt8)
        /// A backslash not followed by one of `"\/bfnrtu`, a `\u` without four hex digits, or a
        /// `\u` escape naming a lone UTF-16 surrogate. `offset` is the backslash.
        case invalidEscape
        /// A string byte sequence that is not well-formed UTF-8 (RFC 3629: no overlongs, no
        /// encoded surrogates, nothing above U+10FFFF). `offset` is the sequence's first byte.
        case invalidUTF8
        /// A raw byte below 0x20 inside a string; RFC 8259 requires these to be escaped.
        case controlCharacterInString
        /// A number that breaks the grammar `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`,
        /// such as `01`, `1.`, `.5`, `+1`, `1e`, `-`. `offset` is the first byte that does not fit.
        case invalidNumber
        /// An object or array opened beyond the scanner's `maxDepth`. `offset` is its bracket.
        case depthLimitExceeded
        /// A complete value followed by something other than whitespace.
        case trailingGarbage
    }

    public let kind: Kind
    /// Byte offset from the start of the document (0-based) where the problem was detected.
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// The problem without the position, e.g. `unexpected byte '}' (0x7D)`.
    public var message: String {
        switch kind {
        case .unexpectedEnd: return "unexpected end of input"
        case .unexpectedByte(let byte): return "unexpected byte " + JSONError.describe(byte)
        case .invalidEscape: return "invalid escape sequence"
        case .invalidUTF8: return "invalid UTF-8 in string"
        case .controlCharacterInString: return "unescaped control character in string"
        case .invalidNumber: return "invalid number"
        case .depthLimitExceeded: return "nesting depth limit exceeded"
        case .trailingGarbage: return "unexpected data after the JSON value"
        }
    }

    /// `Parse error at byte <offset>: <message>`, ready for a JSON-RPC `-32700` error.
    public var description: String {
        "Parse error at byte \(offset): \(message)"
    }

    /// Printable ASCII is shown quoted with its hex code; anything else as hex only, so a message
    /// never contains raw control or non-UTF-8 bytes.
    static func describe(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        let code = "0x" + (hex.count == 1 ? "0" + hex : hex)
        if byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "'") {
            return "'" + String(UnicodeScalar(byte)) + "' (" + code + ")"
        }
        return code
    }
}
