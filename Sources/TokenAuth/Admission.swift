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
///
/// Read as bytes in one pass: it runs on every authenticated request, and splitting, lower-casing
/// and trimming `Substring`s cost more than the cached review it leads to.
public enum BearerToken {
    public static func parse(_ header: some StringProtocol) -> String? {
        if let token = header.utf8.withContiguousStorageIfAvailable({ parse(bytes: $0) }) { return token }
        return Array(header.utf8).withUnsafeBufferPointer { parse(bytes: $0) }
    }

    /// Spaces before the scheme are skipped; the scheme is `Bearer` in any case, then spaces or
    /// tabs, then the token (spaces and tabs around it trimmed, never empty).
    static func parse(bytes u: UnsafeBufferPointer<UInt8>) -> String? {
        let space: UInt8 = 0x20, tab: UInt8 = 0x09
        var i = 0, end = u.count
        while i < end, u[i] == space { i += 1 }
        let scheme = i
        while i < end, u[i] != space { i += 1 }
        guard i - scheme == 6 else { return nil }
        // ASCII case folding: `| 0x20` maps only 'B'/'b', 'E'/'e'… onto these letters.
        for (k, letter) in "bearer".utf8.enumerated() where u[scheme + k] | 0x20 != letter { return nil }
        while i < end, u[i] == space || u[i] == tab { i += 1 }
        while end > i, u[end - 1] == space || u[end - 1] == tab { end -= 1 }
        guard end > i else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: u[i..<end]), as: UTF8.self)
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
