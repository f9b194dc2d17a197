/// How a method is served.
public enum GRPCMethod: Sendable {
    /// One request message, one reply: the closure gets the request once the client half-closed
    /// and answers with `call.respond(_:)` or `call.finish(_:)`, now or later, from any thread.
    case unary(@Sendable (_ request: [UInt8], _ call: GRPCServerCall) -> Void)
    /// Streams in both directions: the factory makes the per-call handler (on the loop thread).
    case bidirectional(@Sendable (_ call: GRPCServerCall) -> GRPCCallHandler)
}

/// A named set of methods, e.g. `envoy.service.ext_proc.v3.ExternalProcessor`.
public protocol GRPCService: Sendable {
    /// The full service name; methods are served at `/<serviceName>/<method>`.
    var serviceName: String { get }
    var methods: [String: GRPCMethod] { get }
}
