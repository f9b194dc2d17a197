import Logging
import MCPGateway

/// One `Authorization` header in, one `Admission` out: the same review, cache and policy check
/// for both placements of authentication (Envoy's ext_authz filter, or ext_proc's headers
/// message), so a caller gets the same answer from either.
public struct CallerAdmission: Sendable {
    public let authenticator: Authenticator
    public let config: AuthConfig
    let policy: @Sendable () -> AccessPolicy
    let observer: AuthObserver

    public init(authenticator: Authenticator, config: AuthConfig, policy: @escaping @Sendable () -> AccessPolicy,
                observer: AuthObserver = NoAuthObserver()) {
        self.authenticator = authenticator
        self.config = config
        self.policy = policy
        self.observer = observer
    }

    /// Decides on the caller of a request carrying `authorization`. `done` runs on any thread:
    /// at once when the token's review is cached, later when it has to be reviewed. `policy`: the
    /// one the request is routed under, when the caller already holds it (ext_proc reads the router
    /// once per request); otherwise the current one.
    public func admit(authorization: String?, policy current: AccessPolicy? = nil, _ done: @escaping @Sendable (Admission) -> Void) {
        guard let header = authorization, let token = BearerToken.parse(header) else {
            observer.decided(result: "deny", reason: "missing_token")
            done(.rejected(.unauthenticated(error: nil, detail: "a bearer token is required")))
            return
        }
        let policy = self.policy
        authenticator.authenticate(token) { [observer] outcome in
            let (admission, result, reason) = outcome.admission(policy: current ?? policy())
            observer.decided(result: result, reason: reason)
            if case .unavailable(let why) = outcome {
                Logger(component: "authn").warning("token reviewer unavailable: refusing", [("error", why)])
            }
            done(admission)
        }
    }
}
