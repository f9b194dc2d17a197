import EnvoyProto
import GRPC
import HTTPHeaderText
import Logging
import MCPGateway
import ProtoWire
import TokenAuth

/// `envoy.service.auth.v3.Authorization/Check`: reviews the bearer token before ext_proc sees
/// the request. No or bad token → 401 pointing at the protected-resource metadata; a caller the
/// policy grants nothing → 403; the reviewer unreachable → 503 with Retry-After, never an allow.
public struct AuthorizationService: GRPCService {
    public let serviceName = "envoy.service.auth.v3.Authorization"
    let authenticator: Authenticator
    let config: AuthConfig
    let policy: @Sendable () -> AccessPolicy
    let observer: AuthObserver

    public init(authenticator: Authenticator, config: AuthConfig, policy: @escaping @Sendable () -> AccessPolicy,
                observer: AuthObserver = NoAuthObserver()) {
        self.authenticator = authenticator
        self.config = config
        self.policy = policy
        self.observer = observer
    }


    public var methods: [String: GRPCMethod] {
        let service = self
        return ["Check": .unary { bytes, call in
            guard let request = try? CheckRequest(serializedBytes: bytes) else {
                call.finish(GRPCStatus(.invalidArgument, "malformed CheckRequest"))
                return
            }
            service.check(request) { call.respond($0.serializedBytes()) }
        }]
    }

    func check(_ request: CheckRequest, reply: @escaping @Sendable (CheckResponse) -> Void) {
        let http = request.http
        let path = http?.path ?? ""
        if path.hasPrefix(ProtectedResource.metadataPath) {
            reply(.allow())
            return
        }
        // From the config only: the request's Host is the caller's to choose (see ProtectedResource).
        let metadataURL = config.metadataURL
        guard let header = http?.headers["authorization"], let token = Self.bearerToken(header) else {
            observer.decided(result: "deny", reason: "missing_token")
            reply(unauthorized(metadataURL, error: nil, detail: "a bearer token is required"))
            return
        }
        let policy = self.policy
        authenticator.authenticate(token) { [observer] outcome in
            switch outcome {
            case .allowed(let who, _):
                let p = policy()
                if !p.isOpen && !p.rules.contains(where: { $0.matches(who) }) {
                    observer.decided(result: "deny", reason: "forbidden")
                    reply(Self.forbidden())
                    return
                }
                observer.decided(result: "allow", reason: who.method)
                reply(.allow(OkHttpResponse(headers: [], headersToRemove: ["x-mcp-identity-digest"]),
                             dynamicMetadata: who.metadata))
            case .denied(let reason, let detail):
                observer.decided(result: "deny", reason: reason)
                reply(unauthorized(metadataURL, error: "invalid_token", detail: detail))
            case .unavailable(let why):
                observer.decided(result: "error", reason: "reviewer_unavailable")
                Logger(component: "authz").warning("token reviewer unavailable: refusing", [("error", why)])
                reply(Self.unavailable())
            }
        }
    }

    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingBlanks()
        return token.isEmpty ? nil : token
    }

    /// The RFC 6750 challenge. `detail` can quote the caller's own token (its `alg`, its `kid`), so
    /// every parameter is built by `HeaderText.quoted`: no CR/LF to split the response, no `"` or `\`
    /// to end the quoted-string and forge another parameter.
    func unauthorized(_ metadataURL: String?, error: String?, detail: String) -> CheckResponse {
        var params: [String] = []
        if let metadataURL { params.append("resource_metadata=\(HeaderText.quoted(metadataURL))") }
        if let error { params += ["error=\(HeaderText.quoted(error))", "error_description=\(HeaderText.quoted(detail))"] }
        if !config.scopes.isEmpty { params.append("scope=\(HeaderText.quoted(config.scopes.joined(separator: " ")))") }
        let challenge = params.isEmpty ? "Bearer" : "Bearer " + params.joined(separator: ", ")
        return .deny(code: 16, DeniedHttpResponse(status: HttpStatus(code: 401), headers: [
            .authzOverwrite(key: "www-authenticate", value: challenge),
            .authzOverwrite(key: "content-type", value: "application/json"),
        ], body: Self.errorBody(code: -32001, "Unauthorized: \(detail)")))
    }

    static func forbidden() -> CheckResponse {
        .deny(code: 7, DeniedHttpResponse(status: HttpStatus(code: 403), headers: [
            .authzOverwrite(key: "content-type", value: "application/json"),
        ], body: errorBody(code: -32001, "Forbidden: this caller is not granted any MCP server")))
    }

    static func unavailable() -> CheckResponse {
        .deny(code: 14, DeniedHttpResponse(status: HttpStatus(code: 503), headers: [
            .authzOverwrite(key: "retry-after", value: "5"),
            .authzOverwrite(key: "content-type", value: "application/json"),
        ], body: errorBody(code: -32603, "Service Unavailable: the token reviewer cannot be reached; retry later")))
    }

    static func errorBody(code: Int, _ message: String) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":\(code),\"message\":\(JSONText.string(message))}}"
    }
}

/// Hooks for metrics on every decision.
public protocol AuthObserver: Sendable {
    func decided(result: String, reason: String)
}

public struct NoAuthObserver: AuthObserver {
    public init() {}
    public func decided(result: String, reason: String) {}
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

}
