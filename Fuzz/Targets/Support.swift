// Shared by every fuzz target (compiled into each harness binary next to its target file).

/// A property the target checks failed: print it and trap, so libFuzzer saves the input as a
/// crash artifact (`crash-<sha1>`) exactly as it does for a Swift runtime trap or an ASan report.
func fuzzFail(_ message: @autoclosure () -> String) -> Never {
    fatalError("FUZZ PROPERTY VIOLATED: \(message())")
}

func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fuzzFail(message()) }
}

/// The libFuzzer input as a buffer of exactly `size` bytes (ASan flags any read past it).
@inline(__always)
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// Cut points for replaying one input in several `feed`/`append` calls, derived from the input
/// itself (deterministic, so a saved crash replays the same way).
func chunkLengths(for bytes: UnsafeBufferPointer<UInt8>, seed: UInt8) -> [Int] {
    var lengths: [Int] = []
    var remaining = bytes.count
    var state = UInt32(seed) &* 2_654_435_761 &+ UInt32(truncatingIfNeeded: bytes.count)
    while remaining > 0 {
        state = state &* 1_103_515_245 &+ 12_345
        let pick = Int((state >> 16) % 8)
        let length = min(remaining, pick == 0 ? 1 : pick == 1 ? 2 : Int((state >> 8) % 64) + 1)
        lengths.append(length)
        remaining -= length
    }
    return lengths
}

func hexPrefix(_ bytes: some Collection<UInt8>, _ limit: Int = 120) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes.prefix(limit) { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self) + (bytes.count > limit ? "…" : "")
}
