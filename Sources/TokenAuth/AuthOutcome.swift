import MCPGateway

/// The verdict on one bearer token.
public enum AuthOutcome: Sendable, Equatable {
    case allowed(CallerIdentity, expiresAt: Double?)
    /// Not authenticated: 401. `reason` is a short metrics label, `detail` safe to show.
    case denied(reason: String, detail: String)
    /// The reviewer could not be asked (down, slow): 503, never an allow.
    case unavailable(String)
}

/// Asks Kubernetes whether a token is valid (TokenReview). Blocking; called off the event loops.
public protocol TokenReviewing: Sendable {
    func review(_ token: String) -> TokenReviewResult
}

public enum TokenReviewResult: Sendable, Equatable {
    case authenticated(username: String, groups: [String], audiences: [String])
    case rejected(String)
    case failed(String)
}
