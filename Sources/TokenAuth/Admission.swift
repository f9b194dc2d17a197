import MCPGateway

/// The door's decision for one request: the caller's identity, or a refusal.
public enum Admission: Sendable, Equatable {
    case admitted(CallerIdentity)
    case rejected(Rejection)
}

extension AuthOutcome {
    /// This outcome as a decision under `policy`, with the `result` and `reason` labels of
    /// `mcp_auth_decisions_total`. A caller the policy grants nothing at all is refused at the
    /// door (403), whichever filter placement asks.
    public func admission(policy: AccessPolicy) -> (Admission, result: String, reason: String) {
        switch self {
        case .allowed(let who, _):
            if !policy.isOpen && !policy.rules.contains(where: { $0.matches(who) }) {
                return (.rejected(.forbidden), "deny", "forbidden")
            }
            return (.admitted(who), "allow", who.method)
        case .denied(let reason, let detail):
            return (.rejected(.unauthenticated(error: "invalid_token", detail: detail)), "deny", reason)
        case .unavailable:
            return (.rejected(.reviewerUnavailable), "error", "reviewer_unavailable")
        }
    }
}

/// The bearer token of an `Authorization` header (RFC 6750 §2.1), or nil.
public enum BearerToken {
    public static func parse(_ header: some StringProtocol) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        var token = parts[1]
        while let f = token.first, f == " " || f == "\t" { token.removeFirst() }
        while let l = token.last, l == " " || l == "\t" { token.removeLast() }
        return token.isEmpty ? nil : String(token)
    }
}

/// Hooks for metrics on every decision.
public protocol AuthObserver: Sendable {
    func decided(result: String, reason: String)
}

public struct NoAuthObserver: AuthObserver {
    public init() {}
    public func decided(result: String, reason: String) {}
}
