/// Map fields are repeated entry messages `{ key = 1; value = 2; }`. These helpers decode one
/// entry; callers insert it into their dictionary, so a duplicate key ends up last-wins.
extension ProtoReader {
    /// One `map<string, string>` entry. Missing key or value means the empty string.
    @inlinable
    public mutating func readStringMapEntry(depth: Int) throws(ProtoDecodingError) -> (key: String, value: String) {
        var entry = try nestedReader(depth: depth)
        var key = ""
        var value = ""
        while let field = try entry.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): key = try entry.readString()
            case (2, .lengthDelimited): value = try entry.readString()
            default: try entry.skip(field)
            }
        }
        return (key, value)
    }

    /// One `map<string, Message>` entry. A missing value is the default message; a value repeated
    /// inside the entry is merged.
    @inlinable
    public mutating func readMessageMapEntry<V: ProtoMessage>(_ type: V.Type = V.self, depth: Int) throws(ProtoDecodingError) -> (key: String, value: V) {
        var entry = try nestedReader(depth: depth)
        let entryDepth = depth + 1
        var key = ""
        var value = V()
        while let field = try entry.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): key = try entry.readString()
            case (2, .lengthDelimited): try entry.mergeMessage(into: &value, depth: entryDepth)
            default: try entry.skip(field)
            }
        }
        return (key, value)
    }
}
