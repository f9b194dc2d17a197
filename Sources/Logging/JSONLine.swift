import JSONWire

/// Builds one flat JSON object as bytes, for log and audit lines: a `JSONWriter` (so strings
/// are escaped by the same code as every reply), ended by a newline.
public struct JSONLine {
    private var writer = JSONWriter()

    public init() {
        writer.beginObject()
    }

    public mutating func add(_ key: String, _ value: String) {
        writer.key(key)
        writer.string(value)
    }

    public mutating func add(_ key: String, _ value: Int) {
        writer.key(key)
        writer.number(value)
    }

    public mutating func add(_ key: String, strings values: [String]) {
        writer.key(key)
        writer.strings(values)
    }

    /// A raw JSON value (a number, `true`, or already-encoded JSON), written as given.
    public mutating func addRaw(_ key: String, _ json: String) {
        writer.key(key)
        writer.raw(json)
    }

    public mutating func finish() -> [UInt8] {
        writer.endObject()
        var bytes = writer.bytes
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
