import Dispatch
import GRPC

/// `mcpgateway.testing.v1.Echo`: raw-bytes echo methods that let an independent gRPC client
/// (Python grpcio) exercise the transport (sizes, concurrency, cancellation, deadlines) without
/// any Envoy message. Served only with `--enable-test-services`.
struct TestEchoService: GRPCService {
    let serviceName = "mcpgateway.testing.v1.Echo"

    var methods: [String: GRPCMethod] {
        [
            "Unary": .unary { request, call in call.respond(request) },
            // Answers after the number of milliseconds in the request's first byte ×10, off the loop
            // thread, to prove a slow handler holds up no other stream.
            "SlowUnary": .unary { request, call in
                let delayMs = Int(request.first ?? 0) * 10
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delayMs)) { call.respond(request) }
            },
            // Never answers: the client's deadline or cancellation must end it.
            "Hang": .unary { _, _ in },
            "Bidi": .bidirectional { _ in EchoHandler() },
        ]
    }
}

/// Echoes each message as it arrives, and ends with OK once the client half-closes.
final class EchoHandler: GRPCCallHandler {
    func received(message: [UInt8], call: GRPCServerCall) { call.send(message) }
    func clientEnded(call: GRPCServerCall) { call.finish(.ok) }
    func cancelled(call: GRPCServerCall) {}
}
