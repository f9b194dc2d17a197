import EnvoyServices
import HTTPClient
import Logging
import MCPGateway
import Observability
import TokenAuth
import Upstreams

/// Bearer-token checking, built once from the config's `auth` section: JWT keys from a file or
/// URL, Kubernetes TokenReview, one shared cache in the `Authenticator`. Everything that checks
/// a token (ext_authz's Check, ext_proc's headers message) takes it from here, so they cannot disagree, and the
/// decisions are reported to `observer` (metrics) explicitly.
package struct AuthSetup: Sendable {
    package let config: AuthConfig
    package let authenticator: Authenticator
    package let observer: any AuthObserver

    /// Fetches the JWKS once (a failure is logged and retried on the first token).
    package init(config: AuthConfig, observer: any AuthObserver, clock: @escaping @Sendable () -> Double = { WallClock.unixSeconds() }) {
        let logger = Logger(component: "auth")
        var jwks: JWKSSource?
        if let jwt = config.jwt {
            let http = HTTPClient(configuration: HTTPClient.Configuration(tls: TLSConfiguration(caFile: jwt.caFile)))
            jwks = JWKSSource(minRefreshInterval: jwt.minRefreshSeconds, clock: clock) {
                if let file = jwt.jwksFile {
                    guard let bytes = FileSystem.read(file) else { throw ConfigError(field: "auth.jwt.jwksFile", "cannot read \(file)") }
                    return bytes
                }
                let response = try http.send(try HTTPRequest(method: "GET", url: jwt.jwksURL!), timeout: 5)
                guard response.status == 200 else { throw ConfigError(field: "auth.jwt.jwksURL", "HTTP \(response.status)") }
                return response.body
            }
            if jwks?.refresh(force: true) == false {
                logger.warning("JWKS not loaded yet; will retry on the first token", [("error", jwks?.lastError ?? "")])
            }
        }
        let reviewer = config.kubernetes.map { KubernetesTokenReviewer(config: $0, readFile: FileSystem.read) }
        self.config = config
        self.observer = observer
        authenticator = Authenticator(config: config, jwks: jwks, reviewer: reviewer, clock: clock)
        logger.info("authentication on", [("kubernetes", String(config.kubernetes != nil)), ("jwt", String(config.jwt != nil))])
    }

    /// The one admission (one review cache) for both placements of authentication, with the
    /// policy read per request (reloads apply).
    package func admission(policy: @escaping @Sendable () -> AccessPolicy) -> CallerAdmission {
        CallerAdmission(authenticator: authenticator, config: config, policy: policy, observer: observer)
    }
}
