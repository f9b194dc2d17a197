/// Validation of the three literal names `true`, `false`, `null` (lowercase only, per RFC 8259).
extension RawBytes {
    /// Checks that the bytes at `start` spell the literal packed little-endian in `packed`
    /// (whose first byte the caller has already matched); returns the index after it.
    ///
    /// Packing the literal in a word keeps this free of arrays and strings.
    @inline(__always)
    func scanLiteral(from start: Int, packed: UInt64, length: Int) throws(JSONError) -> Int {
        for k in 1..<length {
            let i = start + k
            guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
            let c = self[i]
            guard c == UInt8(truncatingIfNeeded: packed &>> UInt64(8 * k)) else {
                throw JSONError(.unexpectedByte(c), at: i)
            }
        }
        return start + length
    }
}

/// `true`, `false`, `null` packed little-endian, with their lengths.
enum Literal {
    static let `true`: (packed: UInt64, length: Int) = (0x6575_7274, 4)
    static let `false`: (packed: UInt64, length: Int) = (0x65_736C_6166, 5)
    static let null: (packed: UInt64, length: Int) = (0x6C6C_756E, 4)
}
