/// Who is calling, as established by ext_authz (token review or JWT), and handed to ext_proc
/// through Envoy dynamic metadata that clients cannot forge.
public struct CallerIdentity: Sendable, Equatable, Hashable {
    public let subject: String
    public let groups: [String]
    /// Kubernetes service account `namespace/name`, when the caller is one.
    public let serviceAccount: String?
    /// How the caller was authenticated: `kubernetes`, `jwt`.
    public let method: String
    /// A stable, non-reversible reference for session binding, audit and rate-limit keys. Computed
    /// once: a request reads it several times (session check, rate limit, routing headers).
    public let digest: String

    public init(subject: String, groups: [String] = [], serviceAccount: String? = nil, method: String) {
        self.subject = subject
        self.groups = groups
        self.serviceAccount = serviceAccount
        self.method = method
        self.digest = Base64URL.encode(Array(SHA256Digest.hash(Array("\(method)\u{0}\(subject)".utf8)).prefix(12)))
    }

    /// The namespace used in Envoy dynamic metadata.
    public static let metadataNamespace = "envoy.filters.http.ext_authz"
}
