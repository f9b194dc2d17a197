import EnvoyProto
import GRPC
import HTTPHeaderText
import MCPGateway
import ProtoWire
import TokenAuth

/// `envoy.service.auth.v3.Authorization/Check`: the ext_authz placement of authentication, for
/// sites that run Envoy's ext_authz filter before ext_proc. The decision is `CallerAdmission`'s
/// (the same one ext_proc makes when it authenticates itself); this only translates it: an
/// admitted caller's identity becomes dynamic metadata ext_proc reads, a `Rejection` a denied
/// response with the same status, headers and JSON-RPC body.
public struct AuthorizationService: GRPCService {
    public let serviceName = "envoy.service.auth.v3.Authorization"
    let admission: CallerAdmission

    public init(admission: CallerAdmission) {
        self.admission = admission
    }

    public init(authenticator: Authenticator, config: AuthConfig, policy: @escaping @Sendable () -> AccessPolicy,
                observer: AuthObserver = NoAuthObserver()) {
        self.init(admission: CallerAdmission(authenticator: authenticator, config: config, policy: policy, observer: observer))
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
        if (http?.path ?? "").hasPrefix(ProtectedResource.metadataPath) {
            reply(.allow())
            return
        }
        let config = admission.config
        admission.admit(authorization: http?.headers["authorization"]) { decision in
            switch decision {
            case .admitted(let who):
                reply(.allow(OkHttpResponse(headers: [], headersToRemove: ["x-mcp-identity-digest"]), dynamicMetadata: who.metadata))
            case .rejected(let rejection):
                reply(Self.denied(rejection, auth: config))
            }
        }
    }

    /// A `Rejection` as ext_authz's denied response; the gRPC status is the one Envoy logs.
    static func denied(_ rejection: Rejection, auth: AuthConfig) -> CheckResponse {
        let local = rejection.reply(auth: auth)
        let code: GRPCStatus.Code = switch rejection {
        case .unauthenticated: .unauthenticated
        case .forbidden: .permissionDenied
        case .reviewerUnavailable: .unavailable
        }
        var headers = local.headers.map { HeaderValueOption.authzOverwrite(key: $0.0, value: $0.1) }
        headers.append(.authzOverwrite(key: "content-type", value: local.contentType))
        return .deny(code: Int32(code.rawValue), DeniedHttpResponse(status: HttpStatus(code: Int32(local.status)), headers: headers,
                                                    body: String(decoding: local.body, as: UTF8.self)))
    }
}
