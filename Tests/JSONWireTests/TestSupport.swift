@testable import JSONWire

/// The UTF-8 bytes of `text`.
func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The error the scanner reports for `bytes`, or nil if it accepts them.
func scanError(_ bytes: [UInt8], maxDepth: Int = JSONScanner.defaultMaxDepth) -> JSONError? {
    do {
        _ = try JSONScanner(bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// The error `JSONValue` parsing reports for `bytes`, or nil if it accepts them.
func parseError(_ bytes: [UInt8], maxDepth: Int = JSONScanner.defaultMaxDepth) -> JSONError? {
    do {
        _ = try JSONValue(parsing: bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// Builds the tree for `range` using only the scanner's navigation API, so tests can check the
/// trusted path against the independent `JSONValue` parser.
func treeViaScanner(_ scanner: JSONScanner, _ range: Range<Int>) -> JSONValue? {
    switch scanner.kind(at: range) {
    case .null?: return scanner.isNull(at: range) ? .null : nil
    case .bool?: return scanner.bool(at: range).map(JSONValue.bool)
    case .number?: return scanner.numberText(at: range).map(JSONValue.number)
    case .string?: return scanner.string(at: range).map(JSONValue.string)
    case .array?:
        guard let elements = scanner.elements(of: range) else { return nil }
        var values: [JSONValue] = []
        for element in elements {
            guard let value = treeViaScanner(scanner, element) else { return nil }
            values.append(value)
        }
        return .array(values)
    case .object?:
        guard let members = scanner.members(of: range) else { return nil }
        var values: [(key: String, value: JSONValue)] = []
        for member in members {
            guard let value = treeViaScanner(scanner, member.value) else { return nil }
            values.append((scanner.key(of: member), value))
        }
        return .object(values)
    case nil: return nil
    }
}

/// A small deterministic PRNG (SplitMix64) so randomized tests replay exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
