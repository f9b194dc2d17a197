import EnvoyProto
import ProtoWire
import Testing

/// SplitMix64: tiny, fixed-seed, reproducible across platforms.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bounded-time mutation fuzzing of the four request/response types the gateway decodes or
/// produces on every request. A decode may succeed or throw; it must not trap, and whatever does
/// decode must re-encode stably (encode ∘ decode ∘ encode == encode).
@Suite("Fuzz")
struct FuzzTests {
    static let targets: [any ProtoMessage.Type] = [
        ProcessingRequest.self, ProcessingResponse.self, CheckRequest.self, CheckResponse.self,
    ]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let rounds = Int.random(in: 1...4, using: &rng)
        for _ in 0..<rounds {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !bytes.isEmpty:   // flip one bit
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !bytes.isEmpty:   // replace a byte with an interesting value
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0E, 0x0F, 0x0B, 0x0C].randomElement(using: &rng)!
            case 2 where !bytes.isEmpty:   // truncate
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            case 3:                        // insert random bytes
                let index = Int.random(in: 0...bytes.count, using: &rng)
                let count = Int.random(in: 1...8, using: &rng)
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: index)
            case 4 where bytes.count > 1:  // delete a range
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = Int.random(in: start...min(bytes.count, start + 8), using: &rng)
                bytes.removeSubrange(start..<end)
            case 5 where !bytes.isEmpty:   // duplicate a range (repeated fields, merges)
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = Int.random(in: start...bytes.count, using: &rng)
                bytes.append(contentsOf: bytes[start..<end])
            default:                       // bump a byte (shifts lengths and keys)
                guard !bytes.isEmpty else { continue }
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] &+= UInt8.random(in: 1...3, using: &rng)
            }
        }
        return bytes
    }

    private static func exercise(_ type: any ProtoMessage.Type, _ bytes: [UInt8]) -> Bool {
        guard let message = try? type.init(serializedBytes: bytes, maxDepth: ProtoReader.defaultMaxDepth) else {
            return false
        }
        let encoded = message.serializedBytes()
        guard let again = try? type.init(serializedBytes: encoded, maxDepth: ProtoReader.defaultMaxDepth) else {
            Issue.record("\(type): re-encoding of a decoded message does not decode: \(Hex.encode(bytes))")
            return true
        }
        #expect(again.serializedBytes() == encoded, "\(type): unstable re-encoding of \(Hex.encode(bytes))")
        return true
    }

    @Test("mutated golden messages and random buffers never crash", .timeLimit(.minutes(1)))
    func mutations() {
        let seeds = GoldenCase.all.map(\.bytes).filter { !$0.isEmpty }
        #expect(!seeds.isEmpty)
        var rng = SplitMix64(state: 0x4D43_5047_4154_4557)   // fixed seed: "MCPGATEW"
        var decoded = 0
        let iterations = 10_000
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for iteration in 0..<iterations {
                let input: [UInt8]
                if iteration % 10 == 9 {
                    input = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                } else {
                    input = Self.mutate(seeds.randomElement(using: &rng)!, using: &rng)
                }
                for type in Self.targets where Self.exercise(type, input) {
                    decoded += 1
                }
            }
        }
        // Sanity: the fuzzer must reach the success path too, not only error paths.
        #expect(decoded > iterations / 10, "only \(decoded) decodes succeeded")
        #expect(elapsed < .seconds(5), "fuzzing took \(elapsed)")
    }
}
