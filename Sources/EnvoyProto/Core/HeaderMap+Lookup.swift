import ProtoWire

/// Header lookups for the per-request hot path.
///
/// A linear scan beats building a dictionary: requests carry a few dozen headers and usually only
/// a handful are looked up. Names compare ASCII-case-insensitively (Envoy sends lower-case, but a
/// test or another proxy might not), without allocating.
extension HeaderMap {
    /// The first value for `name` (from `raw_value`, or `value` if that is all that was sent).
    public func first(_ name: String) -> [UInt8]? {
        for header in headers where Self.namesMatch(header.key, name) {
            return header.valueBytes
        }
        return nil
    }

    /// The first value for `name` as text; nil if absent or not UTF-8.
    public func firstString(_ name: String) -> String? {
        for header in headers where Self.namesMatch(header.key, name) {
            return header.valueString
        }
        return nil
    }

    /// Every value for `name`, in wire order.
    public func values(_ name: String) -> [[UInt8]] {
        headers.compactMap { Self.namesMatch($0.key, name) ? $0.valueBytes : nil }
    }

    public func contains(_ name: String) -> Bool {
        headers.contains { Self.namesMatch($0.key, name) }
    }

    static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            // Fold ASCII letters only; other bytes must match exactly.
            guard a | 0x20 == b | 0x20, (0x61...0x7A).contains(a | 0x20) else { return false }
        }
        return true
    }
}
