/// An append-only builder of compact JSON bytes: JSON-RPC replies, and documents assembled from
/// pieces that are already JSON (a request's `id` echoed byte-exact, pre-rendered tool objects).
///
/// Commas are automatic: one Boolean remembers whether the last thing written at the current
/// level was a complete value, which is all separator placement needs, because a key always
/// writes its `:` and clears it. Structure is the caller's responsibility (balanced
/// begin/end, `key` only directly inside an object, exactly one value after each key); the
/// writer does not track nesting, so misuse yields invalid JSON rather than a trap.
///
/// ```swift
/// var w = JSONWriter()
/// w.beginObject()
/// w.key("jsonrpc"); w.string("2.0")
/// w.key("id"); w.raw(scanner.bytes[idRange])   // byte-exact echo
/// w.key("result"); w.beginObject(); w.key("tools"); w.beginArray()
/// for tool in renderedTools { w.raw(tool) }
/// w.endArray(); w.endObject()
/// w.endObject()
/// send(w.bytes)
/// ```
public struct JSONWriter: Sendable {
    /// Everything written so far.
    public internal(set) var bytes: [UInt8]
    /// True right after a complete value, so the next value or key needs a comma first.
    private var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(ASCII.comma) }
    }

    // MARK: - Containers

    public mutating func beginObject() {
        separate()
        bytes.append(ASCII.openBrace)
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(ASCII.closeBrace)
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(ASCII.openBracket)
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(ASCII.closeBracket)
        needsComma = true
    }

    /// Writes a member name and its `:`; the next call must write the member's value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(ASCII.colon)
        needsComma = false
    }

    // MARK: - Scalars

    /// Writes a string, escaped per RFC 8259: `"` and `\` get a backslash; U+0008, U+0009,
    /// U+000A, U+000C, U+000D use their short escapes and other controls below U+0020 are
    /// written `\u00XX` (lowercase hex). Everything else, including `/`, DEL and all non-ASCII,
    /// is written as its UTF-8 bytes: shortest output, and no surrogate-pair arithmetic.
    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    /// One string as JSON text, escaped exactly as `string(_:)` writes it: for the rare caller
    /// that must splice a string into text it builds otherwise (e.g. a log field's value).
    public static func quoted(_ value: String) -> String {
        var w = JSONWriter(reservingCapacity: value.utf8.count + 2)
        w.string(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Writes an array of strings.
    public mutating func strings(_ values: some Sequence<String>) {
        beginArray()
        for v in values { string(v) }
        endArray()
    }

    public mutating func number(_ value: Int) {
        separate()
        appendInteger(value)
        needsComma = true
    }

    /// Writes a finite double as its shortest round-tripping text; NaN and infinities are
    /// written as `null`, since JSON cannot express them.
    public mutating func number(_ value: Double) {
        separate()
        if value.isFinite {
            bytes.append(contentsOf: formatDouble(value).utf8)
        } else {
            appendNull()
        }
        needsComma = true
    }

    /// Writes number text as is; the caller guarantees it is a valid JSON number (e.g. text
    /// taken from a parsed `JSONValue.number`).
    public mutating func rawNumber(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        appendASCII(value ? "true" : "false")
        needsComma = true
    }

    public mutating func null() {
        separate()
        appendNull()
        needsComma = true
    }

    @inline(__always)
    private mutating func appendNull() {
        appendASCII("null")
    }

    /// Appends the bytes of a literal without building an array or a `String`.
    @inline(__always)
    mutating func appendASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    // MARK: - Splicing

    /// Splices one already-encoded JSON value (e.g. `scanner.bytes[range]`) as the next value,
    /// with a separating comma if needed. The bytes are copied verbatim and not checked.
    public mutating func raw(_ json: ArraySlice<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Splices one already-encoded JSON value, like `raw(_: ArraySlice<UInt8>)`.
    public mutating func raw(_ json: [UInt8]) {
        raw(json[...])
    }

    /// Splices one already-encoded JSON value from raw memory.
    public mutating func raw(_ json: UnsafeRawBufferPointer) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Splices one already-encoded JSON value given as text.
    public mutating func raw(_ json: String) {
        separate()
        bytes.append(contentsOf: json.utf8)
        needsComma = true
    }
}
