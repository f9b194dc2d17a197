import ProtoWire

/// `envoy.service.ext_proc.v3.StreamedImmediateResponse` (ProcessingResponse field 11, Envoy
/// 1.37+): a local reply sent in pieces — headers first, then body chunks, ended by
/// `end_of_stream` or trailers.
public struct StreamedImmediateResponse: ProtoMessage, Hashable {
    /// oneof `response`.
    public enum Part: Sendable, Hashable {
        /// Must contain `:status`.
        case headersResponse(HttpHeaders)
        case bodyResponse(StreamedBodyResponse)
        case trailersResponse(HeaderMap)
    }

    public var response: Part?

    public init() { response = nil }

    public init(_ response: Part?) { self.response = response }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                var previous: HttpHeaders?
                if case .headersResponse(let value) = response { previous = value }
                response = .headersResponse(try reader.readMessage(merging: previous, depth: depth))
            case (2, .lengthDelimited):
                var previous: StreamedBodyResponse?
                if case .bodyResponse(let value) = response { previous = value }
                response = .bodyResponse(try reader.readMessage(merging: previous, depth: depth))
            case (3, .lengthDelimited):
                var previous: HeaderMap?
                if case .trailersResponse(let value) = response { previous = value }
                response = .trailersResponse(try reader.readMessage(merging: previous, depth: depth))
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        switch response {
        case .headersResponse(let value): writer.writeMessage(value, field: 1)
        case .bodyResponse(let value): writer.writeMessage(value, field: 2)
        case .trailersResponse(let value): writer.writeMessage(value, field: 3)
        case nil: break
        }
    }
}
