import HTTP2
import Logging

/// Serves the messages of one call. All methods run on the call's loop thread.
public protocol GRPCCallHandler: AnyObject {
    func received(message: [UInt8], call: GRPCServerCall)
    /// The client half-closed: no more messages. The handler may still send and must finish.
    func clientEnded(call: GRPCServerCall)
    /// The call is over without the handler finishing it: client cancel (Envoy's normal way to end
    /// an ext_proc stream), connection loss, or the deadline. Free per-call state here.
    func cancelled(call: GRPCServerCall)
}

/// One gRPC call on one HTTP/2 stream.
///
/// `send` and `finish` are safe from any thread (they hop onto the stream's loop), so a handler
/// may answer each message whenever its answer is ready, not in lock-step.
public final class GRPCServerCall: @unchecked Sendable {
    public let method: String
    public let stream: HTTP2Stream
    /// The request headers (gRPC metadata plus pseudo-headers).
    public var metadata: [HeaderField] { stream.requestHeaders }
    public var loop: EventLoop { stream.loop }
    /// Monotonic deadline from `grpc-timeout`, if the client set one.
    public let deadline: Double?

    // Loop-thread state.
    private var headersSent = false
    public private(set) var isFinished = false

    init(method: String, stream: HTTP2Stream, deadline: Double?) {
        self.method = method
        self.stream = stream
        self.deadline = deadline
    }

    static let responseHeaders = [HeaderField(":status", "200"), HeaderField("content-type", "application/grpc")]

    /// Sends one response message (response headers go first, once).
    public func send(_ message: [UInt8]) {
        if !loop.inEventLoop {
            loop.enqueue { self.send(message) }
            return
        }
        guard !isFinished else { return }
        if !headersSent {
            headersSent = true
            stream.sendHeaders(Self.responseHeaders)
        }
        stream.sendData(GRPCMessageFramer.frame(message))
    }

    /// Ends the call with `status`. Without any message sent this is gRPC's Trailers-Only response.
    public func finish(_ status: GRPCStatus = .ok) {
        if !loop.inEventLoop {
            loop.enqueue { self.finish(status) }
            return
        }
        guard !isFinished else { return }
        isFinished = true
        if headersSent {
            stream.finish(trailers: status.trailerFields)
        } else {
            headersSent = true
            stream.finish(headersIfNotStarted: Self.responseHeaders, trailers: status.trailerFields)
        }
    }

    /// A unary reply: the message and OK.
    public func respond(_ message: [UInt8]) {
        send(message)
        finish(.ok)
    }

    func markFinished() { isFinished = true }
}
