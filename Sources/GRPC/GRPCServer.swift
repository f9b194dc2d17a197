import HTTP2
import Logging

/// Routes HTTP/2 requests to gRPC methods by `:path` and runs each call's framing and lifecycle.
public final class GRPCServer: HTTP2RequestHandler {
    private let routes: [String: GRPCMethod]
    private let maxReceiveMessageSize: Int
    private let logger: Logger

    /// - Parameter maxReceiveMessageSize: larger messages end the call with RESOURCE_EXHAUSTED.
    ///   16 MiB by default: well above Envoy's 1 MiB buffered bodies, which arrive as one message.
    public init(services: [GRPCService], maxReceiveMessageSize: Int = 16 << 20, logger: Logger) {
        var routes: [String: GRPCMethod] = [:]
        for service in services {
            for (name, method) in service.methods { routes["/\(service.serviceName)/\(name)"] = method }
        }
        self.routes = routes
        self.maxReceiveMessageSize = maxReceiveMessageSize
        self.logger = logger
    }

    public func open(stream: HTTP2Stream) -> HTTP2StreamDelegate {
        let headers = stream.requestHeaders
        let path = headers.first(":path") ?? ""
        guard headers.first(":method") == "POST" else {
            return RejectedCall(stream: stream, httpStatus: "405")
        }
        guard let contentType = headers.first("content-type"), contentType.hasPrefix("application/grpc") else {
            return RejectedCall(stream: stream, httpStatus: "415")
        }
        var deadline: Double?
        if let timeout = headers.first("grpc-timeout") {
            guard let seconds = GRPCTimeout.seconds(timeout) else {
                return RejectedCall(stream: stream, status: GRPCStatus(.invalidArgument, "malformed grpc-timeout \"\(timeout)\""))
            }
            deadline = MonotonicClock.now() + seconds
        }
        if let encoding = headers.first("grpc-encoding"), encoding != "identity" {
            return RejectedCall(stream: stream, status: GRPCStatus(.unimplemented, "grpc-encoding \(encoding) is not supported"))
        }
        guard let method = routes[path] else {
            return RejectedCall(stream: stream, status: GRPCStatus(.unimplemented, "unknown method \(path)"))
        }
        let call = GRPCServerCall(method: path, stream: stream, deadline: deadline)
        return CallDriver(call: call, method: method, maxMessageSize: maxReceiveMessageSize)
    }
}

/// Drives one accepted call: deframes messages, enforces the deadline, and maps stream events to
/// the handler's callbacks.
final class CallDriver: HTTP2StreamDelegate {
    private let call: GRPCServerCall
    private var deframer: GRPCMessageDeframer
    private var handler: GRPCCallHandler?
    private var unary: (@Sendable ([UInt8], GRPCServerCall) -> Void)?
    private var unaryRequest: [UInt8]?
    private var deadlineTimer: TimerID?
    private var over = false

    init(call: GRPCServerCall, method: GRPCMethod, maxMessageSize: Int) {
        self.call = call
        deframer = GRPCMessageDeframer(maxMessageSize: maxMessageSize)
        switch method {
        case .unary(let body): unary = body
        case .bidirectional(let factory): handler = factory(call)
        }
        if let deadline = call.deadline {
            deadlineTimer = call.loop.schedule(after: max(0, deadline - MonotonicClock.now())) { [weak self] in
                self?.expire()
            }
        }
    }

    func stream(_ stream: HTTP2Stream, received data: UnsafeRawBufferPointer) {
        guard !over else { return }
        switch deframer.append(data) {
        case .failure(let status):
            fail(status)
        case .success(let messages):
            for message in messages {
                guard !over else { return }
                if unary != nil {
                    guard unaryRequest == nil else {
                        fail(GRPCStatus(.internal, "a unary call got more than one request message"))
                        return
                    }
                    unaryRequest = message
                } else {
                    handler?.received(message: message, call: call)
                }
            }
        }
    }

    func streamEnded(_ stream: HTTP2Stream) {
        guard !over else { return }
        if deframer.hasPartialMessage {
            fail(GRPCStatus(.internal, "the stream ended inside a message (truncated frame)"))
            return
        }
        if let unary {
            guard let request = unaryRequest else {
                fail(GRPCStatus(.internal, "a unary call ended without a request message"))
                return
            }
            unary(request, call)
        } else {
            handler?.clientEnded(call: call)
        }
    }

    func streamClosed(_ stream: HTTP2Stream, errorCode: UInt32) {
        if let deadlineTimer { call.loop.cancel(deadlineTimer) }
        guard !over else { return }
        over = true
        if !call.isFinished {
            call.markFinished()
            handler?.cancelled(call: call)
        }
        handler = nil
    }

    private func expire() {
        deadlineTimer = nil
        guard !over, !call.isFinished else { return }
        fail(GRPCStatus(.deadlineExceeded, "deadline exceeded"))
    }

    /// Ends the call with an error status and tells the handler it will hear nothing more.
    private func fail(_ status: GRPCStatus) {
        over = true
        call.finish(status)
        handler?.cancelled(call: call)
        handler = nil
    }
}

/// Answers a request that never becomes a call: wrong method/content-type (HTTP status) or an
/// unknown method (Trailers-Only gRPC status).
final class RejectedCall: HTTP2StreamDelegate {
    /// Not gRPC at all (wrong method or content type): a bare HTTP status, as the gRPC spec asks.
    init(stream: HTTP2Stream, httpStatus: String) {
        stream.finish(headersIfNotStarted: [HeaderField(":status", httpStatus)], trailers: [])
    }

    init(stream: HTTP2Stream, status: GRPCStatus) {
        stream.finish(headersIfNotStarted: GRPCServerCall.responseHeaders, trailers: status.trailerFields)
    }

    func stream(_ stream: HTTP2Stream, received data: UnsafeRawBufferPointer) {}
    func streamEnded(_ stream: HTTP2Stream) {}
    func streamClosed(_ stream: HTTP2Stream, errorCode: UInt32) {}
}
