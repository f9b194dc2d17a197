import HTTPClient
import JSONWire
import MCPGateway
import TokenAuth

/// Kubernetes TokenReview (`authentication.k8s.io/v1`) over HTTPS, verified against the
/// cluster CA. The reviewer's own token is read from its file on every review, so a rotated
/// projected token is picked up without a restart (the read is a small local file).
public struct KubernetesTokenReviewer: TokenReviewing {
    let config: AuthConfig.Kubernetes
    let http: HTTPClient
    let readFile: @Sendable (String) -> [UInt8]?

    public init(config: AuthConfig.Kubernetes, readFile: @escaping @Sendable (String) -> [UInt8]?) {
        self.config = config
        self.readFile = readFile
        self.http = HTTPClient(configuration: HTTPClient.Configuration(tls: TLSConfiguration(caFile: config.caFile)))
    }

    public func review(_ token: String) -> TokenReviewResult {
        guard let raw = readFile(config.tokenFile) else { return .failed("cannot read the reviewer token \(config.tokenFile)") }
        let own = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = config.apiServer.hasSuffix("/") ? String(config.apiServer.dropLast()) : config.apiServer
        let response: HTTPResponse
        do {
            let request = try HTTPRequest(method: "POST", url: "\(url)/apis/authentication.k8s.io/v1/tokenreviews",
                                          headers: [("content-type", "application/json"), ("accept", "application/json"),
                                                    ("authorization", "Bearer \(own)")],
                                          body: Self.requestBody(token: token, audiences: config.audiences))
            response = try http.send(request, timeout: config.timeoutSeconds)
        } catch {
            return .failed("TokenReview: \(error)")
        }
        return Self.result(status: response.status, body: response.body)
    }

    /// The TokenReview object asking about `token` for `audiences`.
    static func requestBody(token: String, audiences: [String]) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("apiVersion"); w.string("authentication.k8s.io/v1")
        w.key("kind"); w.string("TokenReview")
        w.key("spec"); w.beginObject()
        w.key("token"); w.string(token)
        w.key("audiences"); w.beginArray(); for a in audiences { w.string(a) }; w.endArray()
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// The API server's answer read as a verdict: only `status.authenticated: true` with a
    /// username allows; an unusable answer is a failure (503), never a refusal or an allow.
    static func result(status: Int, body: [UInt8]) -> TokenReviewResult {
        guard status == 201 || status == 200 else {
            return .failed("TokenReview answered HTTP \(status)")
        }
        guard let doc = try? JSONValue(parsing: body), let status = doc["status"] else {
            return .failed("TokenReview reply is not a TokenReview")
        }
        // An absent `authenticated` means false.
        guard status["authenticated"]?.boolValue == true, let user = status["user"], let name = user["username"]?.stringValue else {
            return .rejected(status["error"]?.stringValue ?? "token not authenticated")
        }
        let groups = user["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let audiences = status["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return .authenticated(username: name, groups: groups, audiences: audiences)
    }
}
