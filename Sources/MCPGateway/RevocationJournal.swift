/// Where revocations are kept beyond the process (a file, in the executable), so a DELETEd
/// session stays ended after a restart. The core only calls it; it never touches files itself.
public protocol RevocationJournal: Sendable {
    /// Records one revocation durably enough to survive a restart, before the DELETE is answered.
    /// Throwing refuses the DELETE: a revocation that is not kept must not be reported as done.
    func record(nonce: [UInt8], expiry: Double) throws(RevocationError)
}

/// Why a DELETE could not be honoured. Converted to a JSON-RPC error once, by the router.
public enum RevocationError: Error, Sendable, Equatable {
    /// The table holds `capacity` revocations that could all still be used; the earliest frees in
    /// `retryAfterSeconds`. Forgetting one of them instead would revive a DELETEd session.
    case full(capacity: Int, retryAfterSeconds: Int)
    /// The journal could not record it (e.g. the disk is full).
    case notRecorded(String)

    public var code: String {
        switch self {
        case .full: "revocations_full"
        case .notRecorded: "revocation_not_recorded"
        }
    }

    /// 503 with `Retry-After`: the session stays valid, the client may retry the DELETE.
    public var jsonRPCError: JSONRPCError {
        switch self {
        case .full(let capacity, let retry):
            JSONRPCError(code: -32000, message: "Service Unavailable: the gateway holds as many ended sessions as it may "
                         + "(limits.maxRevokedSessions = \(capacity)); the session was not ended, retry in \(retry) s",
                         dataJSON: "{\"reason\":\"\(code)\",\"retryAfterSeconds\":\(retry)}", fixedHTTPStatus: 503)
        case .notRecorded:
            JSONRPCError(code: -32000, message: "Service Unavailable: the gateway could not record the ended session; it was not ended",
                         dataJSON: "{\"reason\":\"\(code)\"}", fixedHTTPStatus: 503)
        }
    }

    public var retryAfterSeconds: Int {
        if case .full(_, let retry) = self { return retry }
        return 1
    }
}
