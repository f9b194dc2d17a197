import Dispatch
import EnvoyProto
@testable import EnvoyServices
import MCPGateway
import Synchronization
import TokenAuth

/// A TokenReview stand-in answering every token the same way, counting calls.
final class ScriptedReviewer: TokenReviewing, Sendable {
    let result: TokenReviewResult
    let calls = Atomic<Int>(0)
    init(_ result: TokenReviewResult) { self.result = result }
    func review(_ token: String) -> TokenReviewResult {
        calls.add(1, ordering: .relaxed)
        return result
    }
}

/// Records every decision the service reports for metrics.
final class RecordingAuthObserver: AuthObserver, Sendable {
    let decisions = Mutex<[String]>([])
    func decided(result: String, reason: String) { decisions.withLock { $0.append("\(result)/\(reason)") } }
    var all: [String] { decisions.withLock { $0 } }
}

extension AuthorizationService {
    /// Runs `check` and waits (bounded) for its reply.
    func checkAndWait(_ request: CheckRequest) -> CheckResponse? {
        let box = Mutex<CheckResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        check(request) { response in
            box.withLock { $0 = response }
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        return box.withLock { $0 }
    }
}

extension CheckRequest {
    /// A request for `path` with the given headers, as Envoy's ext_authz filter sends it.
    static func http(path: String = "/mcp", headers: [String: String] = [:]) -> CheckRequest {
        CheckRequest(attributes: AttributeContext(request: .init(http: .init(method: "POST", headers: headers, path: path))))
    }
}

extension CheckResponse {
    var denied: DeniedHttpResponse? {
        if case .deniedResponse(let d)? = httpResponse { return d }
        return nil
    }
    var ok: OkHttpResponse? {
        if case .okResponse(let o)? = httpResponse { return o }
        return nil
    }
    var code: Int32 { status?.code ?? 0 }
}

extension DeniedHttpResponse {
    func header(_ name: String) -> String? { headers.first { $0.header?.key == name }?.header?.value }
}
