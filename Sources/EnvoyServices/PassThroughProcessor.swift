import EnvoyProto

/// The foundation's processor: lets every phase continue unchanged and stamps each response with
/// `x-mcp-gateway: <version>`, proving the stream is alive end to end.
public struct PassThroughProcessor: ExternalProcessor {
    let version: String

    public init(version: String) {
        self.version = version
    }

    public func makeHandler() -> ExternalProcessorStreamHandler {
        Handler(stamp: HeaderValueOption.overwrite(key: "x-mcp-gateway", value: version))
    }

    final class Handler: ExternalProcessorStreamHandler {
        let stamp: HeaderValueOption

        init(stamp: HeaderValueOption) {
            self.stamp = stamp
        }

        func handle(_ request: ProcessingRequest, stream: ExternalProcessorStream) {
            switch request.request {
            case .requestHeaders: stream.reply(.continueRequestHeaders)
            case .responseHeaders:
                stream.reply(ProcessingResponse(response: .responseHeaders(HeadersResponse(response: .mutating(set: [stamp])))))
            case .requestBody: stream.reply(.continueRequestBody)
            case .responseBody: stream.reply(.continueResponseBody)
            case .requestTrailers: stream.reply(.continueRequestTrailers)
            case .responseTrailers: stream.reply(.continueResponseTrailers)
            case nil: break
            }
        }
    }
}
