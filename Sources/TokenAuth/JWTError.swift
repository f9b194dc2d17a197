import HTTPHeaderText

/// Why a bearer JWT was refused. The text is safe to log and to show the client: it never
/// contains the token.
public enum JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case unknownKey(String)
    case invalidKey(String)
    case badSignature
    case expired
    case notYetValid
    case issuedInFuture
    case wrongIssuer
    case wrongAudience
    case missingClaim(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed token: \(HeaderText.value(why))"
        case .unsupportedAlgorithm(let alg): "algorithm \(Self.shown(alg)) is not accepted"
        case .unknownKey(let kid): "no key with kid \(Self.shown(kid))"
        case .invalidKey(let why): "invalid key: \(HeaderText.value(why))"
        case .badSignature: "signature does not verify"
        case .expired: "token expired"
        case .notYetValid: "token not yet valid"
        case .issuedInFuture: "token issued in the future"
        case .wrongIssuer: "wrong issuer"
        case .wrongAudience: "wrong audience"
        case .missingClaim(let c): "missing claim \(HeaderText.value(c))"
        }
    }

    /// A token's own header field (`alg`, `kid`) as the text shows it: these are the attacker's bytes,
    /// and the text ends up in the 401's `WWW-Authenticate` and in logs, so at most 64 characters,
    /// visible ASCII only (CR/LF and the rest `%XX`-escaped), in single quotes.
    static func shown(_ field: String) -> String {
        let cut = field.count > 64 ? field.prefix(64) + "..." : Substring(field)
        return "'" + HeaderText.value(cut) + "'"
    }

    /// A short reason for metrics labels (bounded set).
    public var reason: String {
        switch self {
        case .malformed: "malformed"
        case .unsupportedAlgorithm: "algorithm"
        case .unknownKey: "unknown_key"
        case .invalidKey: "invalid_key"
        case .badSignature: "signature"
        case .expired: "expired"
        case .notYetValid, .issuedInFuture: "not_yet_valid"
        case .wrongIssuer: "issuer"
        case .wrongAudience: "audience"
        case .missingClaim: "claims"
        }
    }
}
