import GatewayRuntime
import JSONWire
import MCPGateway
import Testing

/// RFC 9728 document served at `/.well-known/oauth-protected-resource`.
@Suite struct ProtectedResourceMetadataTests {
    @Test func theDocumentNamesTheConfiguredResourceServersAndScopes() throws {
        let auth = AuthConfig(resource: "https://mcp.example.com/mcp", authorizationServers: ["https://idp.example.com", "https://idp2.example.com"],
                              scopes: ["mcp:tools", "mcp:read"])
        let metadata = try #require(ProtectedResourceMetadata(config: auth))
        let response = metadata.response()
        #expect(response.status == 200)
        #expect(response.contentType == "application/json")
        // Member order is part of what clients and the integration tests see.
        #expect(String(decoding: response.body, as: UTF8.self) ==
            #"{"resource":"https://mcp.example.com/mcp","authorization_servers":["https://idp.example.com","https://idp2.example.com"],"#
            + #""bearer_methods_supported":["header"],"scopes_supported":["mcp:tools","mcp:read"]}"#)
    }

    @Test func withoutScopesTheMemberIsLeftOut() throws {
        let metadata = try #require(ProtectedResourceMetadata(config: AuthConfig(resource: "urn:mcp", authorizationServers: [])))
        let doc = try JSONValue(parsing: metadata.document())
        #expect(doc["scopes_supported"] == nil)
        #expect(doc["authorization_servers"]?.arrayValue?.isEmpty == true)
        #expect(doc["bearer_methods_supported"] == ["header"])
    }

    @Test func configuredTextIsEscapedNotSpliced() throws {
        let hostile = "https://x/\",\"resource\":\"https://evil\n"
        let metadata = try #require(ProtectedResourceMetadata(config: AuthConfig(resource: hostile, authorizationServers: [hostile], scopes: ["a\"b"])))
        let doc = try JSONValue(parsing: metadata.document())
        #expect(doc["resource"]?.stringValue == hostile)
        #expect(doc["authorization_servers"]?.arrayValue?.first?.stringValue == hostile)
        #expect(doc["scopes_supported"]?.arrayValue?.first?.stringValue == "a\"b")
    }

    @Test func noResourceNoDocument() {
        #expect(ProtectedResourceMetadata(config: AuthConfig(authorizationServers: ["https://idp"])) == nil)
    }
}
