import ProtoWire
import Testing

/// Every prefix of every golden message: a prefix ending on a top-level field boundary is a valid
/// (shorter) message, any other prefix must fail with `truncated` or `lengthPastEnd`.
@Suite("Truncation")
struct TruncationTests {
    @Test("every prefix of every golden message", arguments: GoldenCase.all)
    func prefixes(_ golden: GoldenCase) throws {
        let bytes = golden.bytes
        let boundaries = try topLevelBoundaries(bytes)
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            do {
                _ = try ProtoTypeRegistry.decode(golden.type, prefix)
                #expect(boundaries.contains(length), "\(golden.name): prefix \(length) decoded but cuts a field")
            } catch {
                #expect(!boundaries.contains(length), "\(golden.name): prefix \(length) is a field boundary: \(error)")
                #expect(error == .truncated || error == .lengthPastEnd, "\(golden.name)[..<\(length)]: \(error)")
            }
        }
    }

    /// Offsets at which a top-level field ends (0 included), found by skipping fields.
    private func topLevelBoundaries(_ bytes: [UInt8]) throws -> Set<Int> {
        var reader = ProtoReader(bytes)
        var boundaries: Set<Int> = [0]
        while let field = try reader.nextField() {
            try reader.skip(field)
            boundaries.insert(bytes.count - reader.remainingCount)
        }
        return boundaries
    }
}
