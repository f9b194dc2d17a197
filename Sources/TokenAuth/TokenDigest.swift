import COpenSSL

/// A bearer token's key in the review cache: its SHA-256, so the cache never holds a live token
/// (SECURITY.md). Four words rather than a `[UInt8]`: no allocation, and the dictionary hashes and
/// compares 4 words instead of walking 32 array elements, on every authenticated request.
struct TokenDigest: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ token: String) {
        var token = token
        token.withUTF8 { text in
            withUnsafeMutableBytes(of: &words) { out in
                cmcp_sha256(text.baseAddress, text.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// The digest's 32 bytes, in order (tests compare them with `SHA256Digest.hash`).
    var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    static func == (a: TokenDigest, b: TokenDigest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
