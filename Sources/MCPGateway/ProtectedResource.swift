/// Where RFC 9728 protected-resource metadata lives, and the rules for the URLs that name it.
///
/// Both the metadata document's `resource` and the 401 challenge's `resource_metadata` tell a
/// client where to get, and where to send, a token. They come from the config only: a value taken
/// from the request's `Host` would let whoever sends the request choose them (a poisoned cache,
/// a client sent to an attacker's authorization server, a token minted for the wrong audience).
public enum ProtectedResource {
    /// Envoy routes this path to the gateway without auth; clients fetch it after a 401.
    public static let metadataPath = "/.well-known/oauth-protected-resource"

    /// The default `resource_metadata` URL for a resource identifier: the well-known path at the
    /// resource's origin (`https://mcp.example.com/mcp` → `https://mcp.example.com/.well-known/oauth-protected-resource`),
    /// the one the shipped Envoy route serves. nil when `resource` is not an absolute http(s) URL.
    public static func defaultMetadataURL(resource: String) -> String? {
        origin(of: resource).map { $0 + metadataPath }
    }

    /// `scheme://authority` of an absolute `http`/`https` URL that can safely be sent to a client:
    /// visible ASCII only, a non-empty authority without userinfo, no fragment. nil otherwise.
    public static func origin(of url: String) -> String? {
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), !url.contains("#") else { return nil }
        let scheme: String
        if url.hasPrefix("https://") { scheme = "https://" } else if url.hasPrefix("http://") { scheme = "http://" } else { return nil }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        return scheme + authority
    }
}
