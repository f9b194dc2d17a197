import JSONWire

/// A string as JSON text, for code that still builds replies by concatenation. The escaping is
/// `JSONWriter`'s (the one escaper in the package); new code writes with a `JSONWriter`.
public enum JSONText {
    public static func string(_ s: String) -> String {
        JSONWriter.quoted(s)
    }

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var w = JSONWriter(reservingCapacity: s.utf8.count + 2)
        w.string(s)
        out += w.bytes
    }
}
