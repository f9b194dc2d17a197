import AdminHTTP
import JSONWire
import MCPGateway

/// RFC 9728 protected-resource metadata, which MCP clients fetch after a 401 to find where to
/// get a token. Envoy routes `/.well-known/oauth-protected-resource` here without auth. The same
/// document whatever the request says: `resource` is the configured one, never the `Host`.
struct ProtectedResourceMetadata: Sendable {
    static let path = ProtectedResource.metadataPath
    let config: AuthConfig
    let resource: String

    /// nil without a configured `auth.resource` (the config loader requires one).
    init?(config: AuthConfig) {
        guard let resource = config.resource else { return nil }
        self.config = config
        self.resource = resource
    }

    func response() -> AdminResponse {
        var json = "{\"resource\":\(JSONText.string(resource)),\"authorization_servers\":["
        json += config.authorizationServers.map(JSONText.string).joined(separator: ",")
        json += "],\"bearer_methods_supported\":[\"header\"]"
        if !config.scopes.isEmpty { json += ",\"scopes_supported\":[" + config.scopes.map(JSONText.string).joined(separator: ",") + "]" }
        json += "}"
        return AdminResponse(status: 200, contentType: "application/json", bytes: Array(json.utf8))
    }
}
