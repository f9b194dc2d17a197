import EnvoyProto
import ProtoWire
import Testing

/// What a golden case must decode to, written by hand from the values `make_golden.py` sets.
struct GoldenExpectation: Sendable {
    let typeName: String?
    let verify: @Sendable (GoldenCase) -> Void

    init<M: ProtoMessage>(_ expected: M) {
        typeName = ProtoTypeRegistry.name(of: M.self)
        verify = { golden in Self.check(expected, against: golden) }
    }

    /// Decode direction: Python's bytes decode to `expected`.
    /// Encode direction: our encoding of `expected` equals Python's canonical bytes (or, when map
    /// order differs, decodes back to `expected` and Python's canonical bytes decode to it too).
    private static func check<M: ProtoMessage>(_ expected: M, against golden: GoldenCase) {
        do {
            let decoded = try M(serializedBytes: golden.bytes)
            #expect(decoded == expected, "decode \(golden.name)")
        } catch {
            Issue.record("decode \(golden.name) threw \(error)")
        }

        let encoded = expected.serializedBytes()
        if golden.byteExact {
            #expect(Hex.encode(encoded) == golden.canonicalHex, "encode \(golden.name)")
        } else {
            #expect(encoded.count == golden.canonicalBytes.count, "encoded size \(golden.name)")
            #expect((try? M(serializedBytes: encoded)) == expected, "round trip \(golden.name)")
            #expect((try? M(serializedBytes: golden.canonicalBytes)) == expected, "canonical \(golden.name)")
        }
    }
}

enum GoldenExpectations {
    static let all: [String: GoldenExpectation] =
        facts.merging(extProcRequests) { a, _ in a }
        .merging(extProcResponses) { a, _ in a }
        .merging(authorization) { a, _ in a }
        .merging(wellKnown) { a, _ in a }
        .merging(accessLog) { a, _ in a }
}
