/// How callers authenticate (the ext_authz side). Absent: the gateway accepts anonymous callers.
public struct AuthConfig: Sendable, Equatable {
    public struct Kubernetes: Sendable, Equatable {
        /// `https://host:port` of the API server.
        public var apiServer: String
        public var caFile: String?
        /// The reviewer's own token, re-read when it changes (projected tokens rotate).
        public var tokenFile: String
        public var audiences: [String]
        public var timeoutSeconds: Double

        public init(apiServer: String, caFile: String?, tokenFile: String, audiences: [String], timeoutSeconds: Double = 2) {
            self.apiServer = apiServer
            self.caFile = caFile
            self.tokenFile = tokenFile
            self.audiences = audiences
            self.timeoutSeconds = timeoutSeconds
        }
    }

    public struct JWT: Sendable, Equatable {
        public var issuer: String
        public var audiences: [String]
        public var jwksFile: String?
        public var jwksURL: String?
        public var caFile: String?
        public var leewaySeconds: Double
        public var groupsClaim: String
        /// Least time between two key-set reloads caused by unknown `kid`s.
        public var minRefreshSeconds: Double = 10

        public init(issuer: String, audiences: [String], jwksFile: String? = nil, jwksURL: String? = nil, caFile: String? = nil,
                    leewaySeconds: Double = 30, groupsClaim: String = "groups") {
            self.issuer = issuer
            self.audiences = audiences
            self.jwksFile = jwksFile
            self.jwksURL = jwksURL
            self.caFile = caFile
            self.leewaySeconds = leewaySeconds
            self.groupsClaim = groupsClaim
        }
    }

    public var kubernetes: Kubernetes?
    public var jwt: JWT?
    /// Positive results are cached until the earlier of the token's expiry and this.
    public var cacheTTLSeconds: Double
    /// Refusals are cached briefly, so a retry storm with a bad token costs little.
    public var negativeCacheTTLSeconds: Double
    /// RFC 9728 protected-resource metadata: the `resource` identifier (the public URL of the MCP
    /// endpoint; the loader requires it), its authorization servers and scopes. `metadataURL` is what
    /// 401 replies point at (the loader defaults it to `ProtectedResource.defaultMetadataURL`).
    /// Neither is ever derived from a request: see `ProtectedResource`.
    public var resource: String?
    public var authorizationServers: [String]
    public var scopes: [String]
    public var metadataURL: String?

    public init(kubernetes: Kubernetes? = nil, jwt: JWT? = nil, cacheTTLSeconds: Double = 300, negativeCacheTTLSeconds: Double = 5,
                resource: String? = nil, authorizationServers: [String] = [], scopes: [String] = [], metadataURL: String? = nil) {
        self.kubernetes = kubernetes
        self.jwt = jwt
        self.cacheTTLSeconds = cacheTTLSeconds
        self.negativeCacheTTLSeconds = negativeCacheTTLSeconds
        self.resource = resource
        self.authorizationServers = authorizationServers
        self.scopes = scopes
        self.metadataURL = metadataURL
    }
}
