/// What the server advertises in its SETTINGS frame.
///
/// The defaults are sized for Envoy: one ext_proc stream per in-flight downstream request on a
/// handful of connections (one per Envoy worker), and bodies up to Envoy's 1 MiB buffer arriving
/// as single gRPC messages, so windows are raised well above HTTP/2's 64 KiB default.
public struct HTTP2Settings: Sendable {
    public var maxConcurrentStreams: UInt32 = 100_000
    public var initialStreamWindowSize: UInt32 = 4 << 20
    public var connectionWindowSize: Int32 = 32 << 20
    public var maxFrameSize: UInt32 = 16_384
    /// How long a draining connection waits between the shutdown notice and the final GOAWAY.
    public var goawayGraceSeconds: Double = 0.1
    /// A connection that has not sent the HTTP/2 preface by then is closed (a stalled or silent peer).
    public var prefaceTimeoutSeconds: Double = 10
    /// A connection with no open stream for this long is drained (GOAWAY); Envoy reconnects on demand.
    public var idleTimeoutSeconds: Double = 600

    public init() {}
}
