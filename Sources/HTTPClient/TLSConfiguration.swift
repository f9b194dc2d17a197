/// How an `HTTPClient` trusts and authenticates to HTTPS servers. One configuration per client:
/// build a second client for a server that needs a different trust anchor.
public struct TLSConfiguration: Sendable, Hashable {
    /// A PEM bundle of trusted CAs (e.g. the Kubernetes service-account `ca.crt`). nil trusts the
    /// system store (OpenSSL's default paths: /etc/ssl/certs on Debian).
    public var caFile: String?
    /// Turning this off accepts any certificate: for tests and debugging only.
    public var verifyPeer: Bool
    /// The name sent as SNI and checked against the certificate instead of the URL host (for
    /// a server reached by IP whose certificate names a DNS name). An IP literal is checked
    /// against the certificate's IP SANs and sends no SNI.
    public var serverName: String?
    /// Client certificate chain (PEM) for mutual TLS; needs `privateKeyFile`.
    public var certificateFile: String?
    /// The client certificate's private key (PEM, unencrypted).
    public var privateKeyFile: String?

    public init(caFile: String? = nil, verifyPeer: Bool = true, serverName: String? = nil,
                certificateFile: String? = nil, privateKeyFile: String? = nil) {
        self.caFile = caFile
        self.verifyPeer = verifyPeer
        self.serverName = serverName
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }
}
