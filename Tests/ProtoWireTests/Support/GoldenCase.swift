import Foundation
import Testing

/// One entry of `Golden/golden.json`, written by `Tests/golden/make_golden.py` from Python
/// protobuf (an implementation independent of ours).
struct GoldenCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    /// Protobuf full name of the message type.
    let type: String
    /// Wire bytes to decode (may hold unknown fields, duplicates, wrong wire types).
    let hex: String
    /// Python's deterministic re-encoding without unknown/deliberately unmodelled fields.
    let canonicalHex: String
    /// False when a map has several entries: Python orders them differently from our byte-wise
    /// key order, so bytes are compared only after decoding.
    let byteExact: Bool
    let description: String

    var bytes: [UInt8] { Hex.decode(hex) }
    var canonicalBytes: [UInt8] { Hex.decode(canonicalHex) }
    var testDescription: String { name }

    enum CodingKeys: String, CodingKey {
        case name, type, hex, description
        case canonicalHex = "canonical_hex"
        case byteExact = "byte_exact"
    }

    private struct File: Decodable {
        let cases: [GoldenCase]
    }

    /// Loaded once; a missing or unreadable file yields no cases, which `GoldenTests` reports.
    static let all: [GoldenCase] = {
        guard let url = Bundle.module.url(forResource: "golden", withExtension: "json", subdirectory: "Golden")
            ?? Bundle.module.url(forResource: "golden", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.cases
    }()

    static func named(_ name: String) -> GoldenCase? { all.first { $0.name == name } }
}

enum Hex {
    static func decode(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8).filter { $0 != UInt8(ascii: " ") }
        precondition(digits.count % 2 == 0, "odd hex length")
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: preconditionFailure("bad hex digit")
            }
        }
        return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }

    static func encode(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
