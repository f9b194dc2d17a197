/// Parses the `grpc-timeout` header: at most 8 ASCII digits and a unit (H M S m u n).
enum GRPCTimeout {
    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, text.count >= 2, text.count <= 9,
              let value = UInt64(text.dropLast()) else { return nil }
        switch unit {
        case "H": return Double(value) * 3600
        case "M": return Double(value) * 60
        case "S": return Double(value)
        case "m": return Double(value) / 1e3
        case "u": return Double(value) / 1e6
        case "n": return Double(value) / 1e9
        default: return nil
        }
    }
}
