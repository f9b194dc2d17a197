/// MCP tool-name guidance (2025-11-25, SEP-986): 1–128 characters from `[A-Za-z0-9_.-]`.
/// A prefix that breaks these rules would make every federated name invalid, so config loading
/// checks prefixes against them.
public enum ToolNameRules {
    public static let maxLength = 128

    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxLength else { return false }
        return name.utf8.allSatisfy(isAllowed)
    }

    public static func isValidPrefix(_ prefix: String) -> Bool {
        prefix.utf8.count < maxLength && prefix.utf8.allSatisfy(isAllowed)
    }

    static func isAllowed(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }
}
