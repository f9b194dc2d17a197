/// Who is calling: established from the bearer token by the gateway (ext_proc's headers message)
/// or by ext_authz in front, which hands it to ext_proc through Envoy dynamic metadata that
/// clients cannot forge.
///
/// One shared, immutable storage behind a value: a request hands its identity to the router, the
/// rate limiter, the record and the audit line, and each copy of five separate references cost
/// five retains and releases (a visible share of an authenticated call's instructions); now one.
public struct CallerIdentity: Sendable, Equatable, Hashable {
    private final class Storage: Sendable {
        let subject: String
        let groups: [String]
        let serviceAccount: String?
        let method: String
        let digest: String

        init(subject: String, groups: [String], serviceAccount: String?, method: String) {
            self.subject = subject
            self.groups = groups
            self.serviceAccount = serviceAccount
            self.method = method
            digest = Base64URL.encode(Array(SHA256Digest.hash(Array("\(method)\u{0}\(subject)".utf8)).prefix(12)))
        }
    }

    private let storage: Storage

    public var subject: String { storage.subject }
    public var groups: [String] { storage.groups }
    /// Kubernetes service account `namespace/name`, when the caller is one.
    public var serviceAccount: String? { storage.serviceAccount }
    /// How the caller was authenticated: `kubernetes`, `jwt`.
    public var method: String { storage.method }
    /// A stable, non-reversible reference for session binding, audit and rate-limit keys. Computed
    /// once, when the identity is made: a reviewed token's identity is cached and shared by all its
    /// requests, which read it several times (session check, rate limit, routing headers), so a
    /// lazy slot would put a lock shared across threads on every read.
    public var digest: String { storage.digest }

    public init(subject: String, groups: [String] = [], serviceAccount: String? = nil, method: String) {
        storage = Storage(subject: subject, groups: groups, serviceAccount: serviceAccount, method: method)
    }

    public static func == (a: CallerIdentity, b: CallerIdentity) -> Bool {
        a.storage === b.storage || (a.subject == b.subject && a.groups == b.groups && a.serviceAccount == b.serviceAccount
                                    && a.method == b.method)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(subject)
        hasher.combine(groups)
        hasher.combine(serviceAccount)
        hasher.combine(method)
    }

    /// The namespace used in Envoy dynamic metadata.
    public static let metadataNamespace = "envoy.filters.http.ext_authz"
}
