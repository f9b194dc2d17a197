/// Map fields are written as repeated `{ key = 1; value = 2; }` entries. Key and value are always
/// written (what C++ and upb do), and entries go out in byte-wise key order so the same message
/// always encodes to the same bytes — handy for caching and for golden tests.
extension ProtoWriter {
    @inlinable
    public mutating func writeStringMap(_ map: [String: String], field: Int) {
        for key in Self.sortedKeys(map) {
            let value = map[key]!
            writeLengthDelimited(field: field) { entry in
                entry.writeString(key, field: 1, alwaysEmit: true)
                entry.writeString(value, field: 2, alwaysEmit: true)
            }
        }
    }

    @inlinable
    public mutating func writeMessageMap<V: ProtoMessage>(_ map: [String: V], field: Int) {
        for key in Self.sortedKeys(map) {
            let value = map[key]!
            writeLengthDelimited(field: field) { entry in
                entry.writeString(key, field: 1, alwaysEmit: true)
                entry.writeMessage(value, field: 2)
            }
        }
    }

    /// Byte-wise UTF-8 order, matching C++ `std::string` ordering in deterministic mode.
    @inlinable
    static func sortedKeys<V>(_ map: [String: V]) -> [String] {
        if map.count <= 1 { return Array(map.keys) }
        return map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
