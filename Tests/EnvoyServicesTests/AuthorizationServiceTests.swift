import EnvoyProto
@testable import EnvoyServices
import HTTPHeaderText
import JSONWire
import MCPGateway
import ProtoWire
import Testing
import TokenAuth

/// ext_authz decisions: 401 with an RFC 6750 challenge that points at the protected-resource
/// metadata, 403 when the policy grants nothing, 503 when the reviewer is down, and an allow that
/// carries the identity to ext_proc as dynamic metadata.
@Suite struct AuthorizationServiceTests {
    static let metadataURL = "https://gw.example/.well-known/oauth-protected-resource/mcp"
    let config = AuthConfig(kubernetes: .init(apiServer: "https://k8s", caFile: nil, tokenFile: "/t", audiences: []),
                            scopes: ["mcp:tools", "mcp:read"], metadataURL: metadataURL)

    func service(_ result: TokenReviewResult, policy: AccessPolicy = AccessPolicy(),
                 observer: RecordingAuthObserver = RecordingAuthObserver()) -> AuthorizationService {
        let auth = Authenticator(config: config, jwks: nil, reviewer: ScriptedReviewer(result), clock: { 1000 })
        return AuthorizationService(authenticator: auth, config: config, policy: { policy }, observer: observer)
    }

    static let bot = TokenReviewResult.authenticated(username: "system:serviceaccount:ci:deployer", groups: ["system:serviceaccounts"],
                                                     audiences: [])

    /// The auth-params of a `Bearer` challenge, read as RFC 9110 quoted strings; nil if malformed.
    func challenge(_ value: String) -> [String: String]? {
        guard value.hasPrefix("Bearer ") else { return nil }
        var rest = Substring(value.dropFirst(7))
        var params: [String: String] = [:]
        while !rest.isEmpty {
            guard let eq = rest.firstIndex(of: "=") else { return nil }
            let name = String(rest[..<eq])
            rest = rest[rest.index(after: eq)...]
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            guard params[name] == nil else { return nil }
            params[name] = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2) } else if !rest.isEmpty { return nil }
        }
        return params
    }

    func errorMessage(_ body: String) throws -> String? {
        try JSONValue(parsing: Array(body.utf8))["error"]?["message"]?.stringValue
    }

    @Test func withoutATokenIs401PointingAtTheResourceMetadata() throws {
        let observer = RecordingAuthObserver()
        let svc = service(Self.bot, observer: observer)
        for headers in [[:], ["authorization": "Basic dXNlcjpwYXNz"], ["authorization": "Bearer   "], ["authorization": "Bearer"]] {
            let r = try #require(svc.checkAndWait(.http(headers: headers)))
            #expect(r.code == 16)
            let denied = try #require(r.denied)
            #expect(denied.status?.code == 401)
            let header = try #require(denied.header("www-authenticate"))
            let params = try #require(challenge(header))
            #expect(params == ["resource_metadata": Self.metadataURL, "scope": "mcp:tools mcp:read"])
            #expect(denied.header("content-type") == "application/json")
            #expect(try errorMessage(denied.body) == "Unauthorized: a bearer token is required")
        }
        #expect(observer.all == Array(repeating: "deny/missing_token", count: 4))
    }

    @Test func theMetadataDocumentItselfNeedsNoToken() throws {
        let r = try #require(service(.failed("down")).checkAndWait(.http(path: "/.well-known/oauth-protected-resource/mcp")))
        #expect(r.code == 0)
        #expect(r.ok != nil)
    }

    @Test func aRefusedTokenIs401InvalidToken() throws {
        let observer = RecordingAuthObserver()
        let r = try #require(service(.rejected("token has expired"), observer: observer).checkAndWait(.http(headers: ["authorization": "Bearer abc"])))
        let denied = try #require(r.denied)
        #expect(denied.status?.code == 401)
        let header = try #require(denied.header("www-authenticate"))
        let params = try #require(challenge(header))
        #expect(params["error"] == "invalid_token")
        #expect(params["error_description"] == "token has expired")
        #expect(params["resource_metadata"] == Self.metadataURL)
        #expect(observer.all == ["deny/rejected"])
    }

    // Regression guard: the refusal text can quote the caller's own bytes; a quote must not end the
    // quoted-string (forging another auth-param) and CR/LF must not split the response.
    @Test func hostileErrorDetailNeverBreaksTheChallenge() throws {
        let detail = "bad\", error=\"insufficient_scope\", realm=\"x\r\nSet-Cookie: session=evil\\"
        let r = try #require(service(.rejected(detail)).checkAndWait(.http(headers: ["authorization": "Bearer abc"])))
        let denied = try #require(r.denied)
        let header = try #require(denied.header("www-authenticate"))
        #expect(header.utf8.allSatisfy(HeaderText.isAllowed))
        let params = try #require(challenge(header))
        #expect(Set(params.keys) == ["resource_metadata", "error", "error_description", "scope"])
        #expect(params["error"] == "invalid_token")
        #expect(!(params["error_description"] ?? "\"").contains("\""))
        // The JSON body keeps the text intact and valid.
        #expect(try errorMessage(denied.body) == "Unauthorized: " + detail)
    }

    @Test func anUnreachableReviewerIs503WithRetryAfterNeverAnAllow() throws {
        let observer = RecordingAuthObserver()
        let r = try #require(service(.failed("connection refused"), observer: observer).checkAndWait(.http(headers: ["authorization": "Bearer abc"])))
        #expect(r.code == 14)
        let denied = try #require(r.denied)
        #expect(denied.status?.code == 503)
        #expect(denied.header("retry-after") == "5")
        #expect(denied.header("www-authenticate") == nil)
        #expect(observer.all == ["error/reviewer_unavailable"])
    }

    @Test func aCallerThePolicyGrantsNothingIs403() throws {
        let policy = AccessPolicy(rules: [.init(groups: ["admins"], servers: ["*"])])
        let observer = RecordingAuthObserver()
        let r = try #require(service(Self.bot, policy: policy, observer: observer).checkAndWait(.http(headers: ["authorization": "Bearer abc"])))
        #expect(r.code == 7)
        #expect(r.denied?.status?.code == 403)
        let denied = try #require(r.denied)
        #expect(try errorMessage(denied.body) == "Forbidden: this caller is not granted any MCP server")
        #expect(observer.all == ["deny/forbidden"])
    }

    @Test func anAllowedCallerCarriesItsIdentityAsMetadata() throws {
        let policy = AccessPolicy(rules: [.init(serviceAccounts: ["ci/*"], servers: ["calc"])])
        let observer = RecordingAuthObserver()
        let r = try #require(service(Self.bot, policy: policy, observer: observer).checkAndWait(.http(headers: ["authorization": "bearer  abc "])))
        #expect(r.code == 0)
        // A client-sent digest header must not reach ext_proc as if the gateway had set it.
        #expect(r.ok?.headersToRemove == ["x-mcp-identity-digest"])
        let m = try #require(r.dynamicMetadata)
        #expect(m["subject"]?.stringValue == "system:serviceaccount:ci:deployer")
        #expect(m["serviceAccount"]?.stringValue == "ci/deployer")
        #expect(m["method"]?.stringValue == "kubernetes")
        #expect(m["groups"]?.listValue?.values.compactMap(\.stringValue) == ["system:serviceaccounts"])
        let who = CallerIdentity(subject: "system:serviceaccount:ci:deployer", groups: ["system:serviceaccounts"],
                                 serviceAccount: "ci/deployer", method: "kubernetes")
        #expect(m["digest"]?.stringValue == who.digest)
        // ext_proc reads the same identity back.
        #expect(CallerIdentity(metadata: m) == who)
        #expect(observer.all == ["allow/kubernetes"])
    }

    @Test func bearerTokenParsing() {
        #expect(BearerToken.parse("Bearer abc") == "abc")
        #expect(BearerToken.parse("BEARER abc") == "abc")
        #expect(BearerToken.parse("Bearer \t abc \t") == "abc")
        #expect(BearerToken.parse("Bearerabc") == nil)
        #expect(BearerToken.parse("Token abc") == nil)
        #expect(BearerToken.parse("Bearer ") == nil)
        #expect(BearerToken.parse("Bearer \t ") == nil)
        #expect(BearerToken.parse("  bearer   abc") == "abc")
        #expect(BearerToken.parse("Bearer\tabc") == nil)
        #expect(BearerToken.parse("Bearers abc") == nil)
        #expect(BearerToken.parse("Bearex abc") == nil)
        #expect(BearerToken.parse("") == nil)
        #expect(BearerToken.parse("Bearer a b") == "a b")
        #expect(BearerToken.parse("Bearer tök€n") == "tök€n")
        // A Substring (ext_authz hands one over) parses the same.
        #expect(BearerToken.parse("x: Bearer abc".dropFirst(3)) == "abc")
    }
}
