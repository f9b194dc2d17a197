/// 2026-07-28 header value encoding (`Mcp-Name`, `Mcp-Param-*`): printable ASCII without
/// surrounding spaces goes verbatim, anything else as `=?base64?<utf8 base64>?=`.
public enum MCPHeaderValue {
    public static func encode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        let plain = !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
            && bytes.first != 0x20 && bytes.last != 0x20 && !value.hasPrefix("=?base64?")
        if plain { return value }
        return "=?base64?\(standardBase64(bytes))?="
    }

    /// The value a header carries: sentinel-decoded, or as is. nil for a malformed sentinel.
    public static func decode(_ header: String) -> String? {
        guard header.hasPrefix("=?base64?"), header.hasSuffix("?="), header.utf8.count >= 11 else { return header }
        let inner = header.dropFirst(9).dropLast(2)
        guard let bytes = Base64URL.decode(inner) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Standard (padded) base64, as the 2026-07-28 header encoding uses.
    static func standardBase64(_ data: [UInt8]) -> String {
        var s = String(Base64URL.encode(data).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while s.utf8.count % 4 != 0 { s += "=" }
        return s
    }
}
