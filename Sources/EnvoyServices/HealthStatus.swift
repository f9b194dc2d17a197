import Synchronization

/// Whether the gateway is ready to serve, shared by the gRPC health service, `/readyz`, and the
/// drain logic (which flips it off first so Envoy's health checks steer traffic away).
public final class HealthStatus: Sendable {
    private let serving = Atomic<Bool>(false)

    public init() {}

    public var isServing: Bool { serving.load(ordering: .relaxed) }

    public func setServing(_ value: Bool) {
        serving.store(value, ordering: .relaxed)
    }
}
