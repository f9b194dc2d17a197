import EnvoyProto
import GRPC
import HTTP2
import Logging
import ProtoWire

/// Serves one ext_proc `Process` stream (one downstream HTTP request). Called on the stream's
/// loop thread; replies go out through `ExternalProcessorStream.reply`, now or later.
public protocol ExternalProcessorStreamHandler: AnyObject {
    func handle(_ request: ProcessingRequest, stream: ExternalProcessorStream)
    /// Envoy ended the stream (normally by RST_STREAM CANCEL once it needs nothing more).
    func ended(stream: ExternalProcessorStream)
}

extension ExternalProcessorStreamHandler {
    public func ended(stream: ExternalProcessorStream) {}
}

/// Makes a handler for each new `Process` stream.
public protocol ExternalProcessor: Sendable {
    func makeHandler() -> ExternalProcessorStreamHandler
}

/// The reply side of one `Process` stream.
public struct ExternalProcessorStream: Sendable {
    let call: GRPCServerCall

    public func reply(_ response: ProcessingResponse) {
        call.send(response.serializedBytes())
    }

    /// Ends the stream with an error status: Envoy then applies `failure_mode_allow` (we ship
    /// fail-closed configs, so the request is refused).
    public func fail(_ status: GRPCStatus) {
        call.finish(status)
    }

    public var isFinished: Bool { call.isFinished }

    /// Runs `work` on the stream's loop thread (inline if already there): completions of
    /// background work come back here before touching per-stream state.
    public func onLoop(_ work: @escaping @Sendable () -> Void) {
        call.loop.execute(work)
    }
}

/// `envoy.service.ext_proc.v3.ExternalProcessor`: decodes Envoy's messages and hands them to the
/// processor; an undecodable message ends the stream with INVALID_ARGUMENT.
public struct ExternalProcessorService: GRPCService {
    public let serviceName = "envoy.service.ext_proc.v3.ExternalProcessor"
    let processor: ExternalProcessor

    public init(processor: ExternalProcessor) {
        self.processor = processor
    }

    public var methods: [String: GRPCMethod] {
        let processor = self.processor
        return ["Process": .bidirectional { _ in ProcessCallHandler(handler: processor.makeHandler()) }]
    }
}

final class ProcessCallHandler: GRPCCallHandler {
    let handler: ExternalProcessorStreamHandler

    init(handler: ExternalProcessorStreamHandler) {
        self.handler = handler
    }

    func received(message: [UInt8], call: GRPCServerCall) {
        let stream = ExternalProcessorStream(call: call)
        do {
            let request = try ProcessingRequest(serializedBytes: message)
            if request.observabilityMode { return }  // Envoy ignores replies in observability mode.
            handler.handle(request, stream: stream)
        } catch {
            Logger(component: "ext_proc").warning("malformed ProcessingRequest", [("error", "\(error)"), ("bytes", String(message.count))])
            call.finish(GRPCStatus(.invalidArgument, "malformed ProcessingRequest: \(error)"))
            handler.ended(stream: stream)
        }
    }

    func clientEnded(call: GRPCServerCall) {
        call.finish(.ok)
        handler.ended(stream: ExternalProcessorStream(call: call))
    }

    func cancelled(call: GRPCServerCall) {
        handler.ended(stream: ExternalProcessorStream(call: call))
    }
}
