import COpenSSL

/// Comparisons of MACs and other secrets whose time does not depend on where the inputs first
/// differ, so a forger cannot learn a valid MAC byte by byte from response times. OpenSSL's
/// `CRYPTO_memcmp` does the comparing: the compiler cannot turn it into an early exit.
enum ConstantTime {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return equal(a, b, count: a.count)
    }

    /// The first `count` bytes of both (each must have at least that many).
    static func equal(_ a: [UInt8], _ b: [UInt8], count: Int) -> Bool {
        guard count >= 0, a.count >= count, b.count >= count else { return false }
        guard count > 0 else { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, count) == 0 }
        }
    }
}
