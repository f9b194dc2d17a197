import AdminHTTP
import JSONWire
import MCPGateway

/// RFC 9728 protected-resource metadata, which MCP clients fetch after a 401 to find where to
/// get a token. Envoy routes `/.well-known/oauth-protected-resource` here without auth. The same
/// document whatever the request says: `resource` is the configured one, never the `Host`.
package struct ProtectedResourceMetadata: Sendable {
    static let path = ProtectedResource.metadataPath
    let config: AuthConfig
    let resource: String

    /// nil without a configured `auth.resource` (the config loader requires one).
    package init?(config: AuthConfig) {
        guard let resource = config.resource else { return nil }
        self.config = config
        self.resource = resource
    }

    func response() -> AdminResponse {
        AdminResponse(status: 200, contentType: "application/json", bytes: document())
    }

    /// `resource`, `authorization_servers`, `bearer_methods_supported` (header only: tokens in a
    /// query or form body are not read), and `scopes_supported` when scopes are configured.
    func document() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("resource"); w.string(resource)
        w.key("authorization_servers"); w.strings(config.authorizationServers)
        w.key("bearer_methods_supported"); w.strings(["header"])
        if !config.scopes.isEmpty { w.key("scopes_supported"); w.strings(config.scopes) }
        w.endObject()
        return w.bytes
    }
}
