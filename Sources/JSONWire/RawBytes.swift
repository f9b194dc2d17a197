/// A borrowed, bounds-limited view of the bytes being scanned: the one type every scanning and
/// decoding routine works on.
///
/// It is a raw pointer plus a limit rather than an `Array` so the hot loops do no retain/release,
/// no exclusivity checks and no per-byte bounds traps; every read is instead guarded explicitly
/// against `count`, which the routines take care never to pass. That guard is what keeps the
/// "trusted" routines (which assume the bytes were already validated) memory-safe even when a
/// caller hands in a range that did not come from the scanner: they may return a nonsensical
/// range, but never read outside the view.
///
/// A `RawBytes` is only valid inside the `withUnsafeBytes` call that produced it.
struct RawBytes {
    let base: UnsafeRawPointer
    /// Reads happen only at indices `0..<count`.
    let count: Int

    /// `limit` narrows the view (e.g. to the end of one object) so trusted scanning cannot run
    /// past the value it was pointed at.
    init(_ buffer: UnsafeRawBufferPointer, limit: Int? = nil) {
        // An empty buffer may have no base address; nothing is ever read through it then.
        self.base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        self.count = min(limit ?? buffer.count, buffer.count)
    }

    @inline(__always)
    subscript(index: Int) -> UInt8 {
        base.load(fromByteOffset: index, as: UInt8.self)
    }

    /// Eight bytes starting at `index` as a little-endian word (`index + 8 <= count`).
    @inline(__always)
    func word(at index: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
    }

    /// The first index at or after `index` that is not JSON whitespace (space, tab, LF, CR).
    @inline(__always)
    func skipWhitespace(from index: Int) -> Int {
        var i = index
        while i < count {
            let c = self[i]
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
            i += 1
        }
        return i
    }
}

/// ASCII bytes the grammar cares about, named once.
enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let lowerE = UInt8(ascii: "e")
    static let lowerT = UInt8(ascii: "t")
    static let lowerF = UInt8(ascii: "f")
    static let lowerN = UInt8(ascii: "n")

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- zero < 10 }
}
