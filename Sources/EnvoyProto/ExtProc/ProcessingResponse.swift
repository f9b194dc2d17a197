import ProtoWire

/// `envoy.service.ext_proc.v3.ProcessingResponse`: our reply on the `Process` stream.
///
/// Field numbers follow the descriptor embedded in Envoy 1.40, which differs from xds-protos 1.85
/// above field 10: 11 is `streamed_immediate_response` (a oneof member!), `request_drain` moved
/// to 12, and 13–16 are new. Encoding emits fields in number order, so member 11 of the oneof is
/// written after field 10.
public struct ProcessingResponse: ProtoMessage, Hashable {
    /// oneof `response`: must match the pending request (see protocol-facts §3.4).
    public enum Response: Sendable, Hashable {
        case requestHeaders(HeadersResponse)                        // 1
        case responseHeaders(HeadersResponse)                       // 2
        case requestBody(BodyResponse)                              // 3
        case responseBody(BodyResponse)                             // 4
        case requestTrailers(TrailersResponse)                      // 5
        case responseTrailers(TrailersResponse)                     // 6
        case immediateResponse(ImmediateResponse)                   // 7
        case streamedImmediateResponse(StreamedImmediateResponse)   // 11
    }

    public var response: Response?
    /// Top-level keys are namespaces (each value a struct); Envoy keeps only namespaces listed in
    /// `receiving_namespaces.untyped`.
    public var dynamicMetadata: ProtoStruct?
    /// The same, already serialized (see `ProtoStruct.encodedNamespace`); written instead of
    /// `dynamicMetadata` when set. Never set by decoding.
    public var dynamicMetadataEncoded: [UInt8]?
    public var modeOverride: ProcessingMode?
    /// A reply carrying this only extends the timer; it does not answer the pending message.
    public var overrideMessageTimeout: ProtoDuration?
    /// Deprecated in 1.40 (work in progress).
    public var requestDrain: Bool
    /// Present in the 1.40 descriptor, undocumented; not relied upon.
    public var typedDynamicMetadata: [String: ProtoAny]
    public var serverWindowUpdate: ServerWindowUpdate?
    public var requestDrainRequests: Bool
    public var requestDrainResponses: Bool

    public init() { self.init(response: nil) }

    public init(response: Response?, dynamicMetadata: ProtoStruct? = nil, modeOverride: ProcessingMode? = nil,
                overrideMessageTimeout: ProtoDuration? = nil, requestDrain: Bool = false,
                typedDynamicMetadata: [String: ProtoAny] = [:], serverWindowUpdate: ServerWindowUpdate? = nil,
                requestDrainRequests: Bool = false, requestDrainResponses: Bool = false) {
        self.response = response
        self.dynamicMetadata = dynamicMetadata
        self.modeOverride = modeOverride
        self.overrideMessageTimeout = overrideMessageTimeout
        self.requestDrain = requestDrain
        self.typedDynamicMetadata = typedDynamicMetadata
        self.serverWindowUpdate = serverWindowUpdate
        self.requestDrainRequests = requestDrainRequests
        self.requestDrainResponses = requestDrainResponses
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                response = .requestHeaders(try reader.readMessage(merging: response?.requestHeaders, depth: depth))
            case (2, .lengthDelimited):
                response = .responseHeaders(try reader.readMessage(merging: response?.responseHeaders, depth: depth))
            case (3, .lengthDelimited):
                response = .requestBody(try reader.readMessage(merging: response?.requestBody, depth: depth))
            case (4, .lengthDelimited):
                response = .responseBody(try reader.readMessage(merging: response?.responseBody, depth: depth))
            case (5, .lengthDelimited):
                response = .requestTrailers(try reader.readMessage(merging: response?.requestTrailers, depth: depth))
            case (6, .lengthDelimited):
                response = .responseTrailers(try reader.readMessage(merging: response?.responseTrailers, depth: depth))
            case (7, .lengthDelimited):
                response = .immediateResponse(try reader.readMessage(merging: response?.immediateResponse, depth: depth))
            case (11, .lengthDelimited):
                response = .streamedImmediateResponse(
                    try reader.readMessage(merging: response?.streamedImmediateResponse, depth: depth))
            case (8, .lengthDelimited):
                try reader.mergeMessage(into: &dynamicMetadata, depth: depth)
            case (9, .lengthDelimited):
                try reader.mergeMessage(into: &modeOverride, depth: depth)
            case (10, .lengthDelimited):
                try reader.mergeMessage(into: &overrideMessageTimeout, depth: depth)
            case (12, .varint):
                requestDrain = try reader.readBool()
            case (13, .lengthDelimited):
                let entry = try reader.readMessageMapEntry(ProtoAny.self, depth: depth)
                typedDynamicMetadata[entry.key] = entry.value
            case (14, .lengthDelimited):
                try reader.mergeMessage(into: &serverWindowUpdate, depth: depth)
            case (15, .varint):
                requestDrainRequests = try reader.readBool()
            case (16, .varint):
                requestDrainResponses = try reader.readBool()
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        switch response {
        case .requestHeaders(let value): writer.writeMessage(value, field: 1)
        case .responseHeaders(let value): writer.writeMessage(value, field: 2)
        case .requestBody(let value): writer.writeMessage(value, field: 3)
        case .responseBody(let value): writer.writeMessage(value, field: 4)
        case .requestTrailers(let value): writer.writeMessage(value, field: 5)
        case .responseTrailers(let value): writer.writeMessage(value, field: 6)
        case .immediateResponse(let value): writer.writeMessage(value, field: 7)
        case .streamedImmediateResponse, nil: break
        }
        if let dynamicMetadataEncoded {
            writer.writeBytes(dynamicMetadataEncoded, field: 8, alwaysEmit: true)
        } else {
            writer.writeMessage(dynamicMetadata, field: 8)
        }
        writer.writeMessage(modeOverride, field: 9)
        writer.writeMessage(overrideMessageTimeout, field: 10)
        if case .streamedImmediateResponse(let value) = response {
            writer.writeMessage(value, field: 11)
        }
        writer.writeBool(requestDrain, field: 12)
        writer.writeMessageMap(typedDynamicMetadata, field: 13)
        writer.writeMessage(serverWindowUpdate, field: 14)
        writer.writeBool(requestDrainRequests, field: 15)
        writer.writeBool(requestDrainResponses, field: 16)
    }
}

extension ProcessingResponse.Response {
    public var requestHeaders: HeadersResponse? {
        if case .requestHeaders(let value) = self { return value }
        return nil
    }

    public var responseHeaders: HeadersResponse? {
        if case .responseHeaders(let value) = self { return value }
        return nil
    }

    public var requestBody: BodyResponse? {
        if case .requestBody(let value) = self { return value }
        return nil
    }

    public var responseBody: BodyResponse? {
        if case .responseBody(let value) = self { return value }
        return nil
    }

    public var requestTrailers: TrailersResponse? {
        if case .requestTrailers(let value) = self { return value }
        return nil
    }

    public var responseTrailers: TrailersResponse? {
        if case .responseTrailers(let value) = self { return value }
        return nil
    }

    public var immediateResponse: ImmediateResponse? {
        if case .immediateResponse(let value) = self { return value }
        return nil
    }

    public var streamedImmediateResponse: StreamedImmediateResponse? {
        if case .streamedImmediateResponse(let value) = self { return value }
        return nil
    }
}
