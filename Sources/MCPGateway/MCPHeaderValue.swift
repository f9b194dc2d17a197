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

    static func standardBase64(_ data: [UInt8]) -> String {
        var s = Base64URL.encode(data).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return s
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
