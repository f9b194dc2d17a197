@testable import MCPGateway
import Testing

/// `auth.resource` names the protected resource in 401s and in the RFC 9728 metadata. It must come
/// from the config: with auth configured and no resource, the gateway refuses to start rather than
/// guess one from a request's Host.
struct AuthResourceConfigTests {
    static let loader = GatewayConfigLoader.fake(files: ["/jwks.json": #"{"keys":[]}"#])

    static func config(_ authExtra: String) -> String {
        #"{"servers":[],"auth":{"jwt":{"issuer":"https://issuer","audiences":["mcp"],"jwksFile":"/jwks.json"}"#
            + authExtra + "}}"
    }

    @Test func authWithoutResourceIsRefusedNamingTheField() throws {
        let error = try #require(configError(Self.config(""), loader: Self.loader))
        #expect(error.field == "auth.resource")
        #expect(error.problem.contains("required"))
    }

    @Test(arguments: [#""mcp.example.com/mcp""#, #""ftp://mcp.example.com/mcp""#, #""https:///mcp""#,
                      #""https://mcp.example.com/mcp#frag""#, #""https://user@evil.example/mcp""#,
                      #""https://mcp.example.com/mcp\r\nx: y""#, "1"])
    func resourceMustBeAnAbsoluteHTTPURL(_ resource: String) throws {
        let error = try #require(configError(Self.config(#","resource":"# + resource), loader: Self.loader), "accepted \(resource)")
        #expect(error.field == "auth.resource")
    }

    @Test func metadataURLDefaultsToTheWellKnownPathAtTheResourcesOrigin() throws {
        let c = try Self.loader.parse(utf8(Self.config(#","resource":"https://mcp.example.com:8443/team/mcp""#)))
        #expect(c.auth?.resource == "https://mcp.example.com:8443/team/mcp")
        #expect(c.auth?.metadataURL == "https://mcp.example.com:8443/.well-known/oauth-protected-resource")
    }

    @Test func explicitMetadataURLWinsAndIsChecked() throws {
        let c = try Self.loader.parse(utf8(Self.config(
            #","resource":"https://mcp.example.com/mcp","metadataURL":"https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#)))
        #expect(c.auth?.metadataURL == "https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        let error = try #require(configError(Self.config(#","resource":"https://a.example/mcp","metadataURL":"/relative""#), loader: Self.loader))
        #expect(error.field == "auth.metadataURL")
    }
}
