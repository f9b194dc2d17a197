import ProtoWire

/// `envoy.service.ext_proc.v3.ProcessingRequest`: one message from Envoy on the `Process` stream.
/// Field numbers per the descriptor embedded in Envoy 1.40.
public struct ProcessingRequest: ProtoMessage, Hashable {
    /// oneof `request`: which part of the HTTP exchange this message carries.
    public enum Request: Sendable, Hashable {
        case requestHeaders(HttpHeaders)     // 2
        case responseHeaders(HttpHeaders)    // 3
        case requestBody(HttpBody)           // 4
        case responseBody(HttpBody)          // 5
        case requestTrailers(HttpTrailers)   // 6
        case responseTrailers(HttpTrailers)  // 7
    }

    public var request: Request?
    /// Envoy always sets it (possibly empty) with the forwarded namespaces.
    public var metadataContext: Metadata?
    /// Single key `envoy.filters.http.ext_proc` holding the configured attributes.
    public var attributes: [String: ProtoStruct]
    /// True: Envoy ignores any reply, so do not send one.
    public var observabilityMode: Bool
    /// Only on the first message of a stream.
    public var protocolConfig: ProtocolConfiguration?
    public var flowControlInit: FlowControlInit?
    public var clientWindowUpdate: ClientWindowUpdate?

    public init() { self.init(request: nil) }

    public init(request: Request?, metadataContext: Metadata? = nil, attributes: [String: ProtoStruct] = [:],
                observabilityMode: Bool = false, protocolConfig: ProtocolConfiguration? = nil,
                flowControlInit: FlowControlInit? = nil, clientWindowUpdate: ClientWindowUpdate? = nil) {
        self.request = request
        self.metadataContext = metadataContext
        self.attributes = attributes
        self.observabilityMode = observabilityMode
        self.protocolConfig = protocolConfig
        self.flowControlInit = flowControlInit
        self.clientWindowUpdate = clientWindowUpdate
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (2, .lengthDelimited):
                request = .requestHeaders(try reader.readMessage(merging: request?.requestHeaders, depth: depth))
            case (3, .lengthDelimited):
                request = .responseHeaders(try reader.readMessage(merging: request?.responseHeaders, depth: depth))
            case (4, .lengthDelimited):
                request = .requestBody(try reader.readMessage(merging: request?.requestBody, depth: depth))
            case (5, .lengthDelimited):
                request = .responseBody(try reader.readMessage(merging: request?.responseBody, depth: depth))
            case (6, .lengthDelimited):
                request = .requestTrailers(try reader.readMessage(merging: request?.requestTrailers, depth: depth))
            case (7, .lengthDelimited):
                request = .responseTrailers(try reader.readMessage(merging: request?.responseTrailers, depth: depth))
            case (8, .lengthDelimited):
                try reader.mergeMessage(into: &metadataContext, depth: depth)
            case (9, .lengthDelimited):
                let entry = try reader.readMessageMapEntry(ProtoStruct.self, depth: depth)
                attributes[entry.key] = entry.value
            case (10, .varint):
                observabilityMode = try reader.readBool()
            case (11, .lengthDelimited):
                try reader.mergeMessage(into: &protocolConfig, depth: depth)
            case (12, .lengthDelimited):
                try reader.mergeMessage(into: &flowControlInit, depth: depth)
            case (13, .lengthDelimited):
                try reader.mergeMessage(into: &clientWindowUpdate, depth: depth)
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        switch request {
        case .requestHeaders(let value): writer.writeMessage(value, field: 2)
        case .responseHeaders(let value): writer.writeMessage(value, field: 3)
        case .requestBody(let value): writer.writeMessage(value, field: 4)
        case .responseBody(let value): writer.writeMessage(value, field: 5)
        case .requestTrailers(let value): writer.writeMessage(value, field: 6)
        case .responseTrailers(let value): writer.writeMessage(value, field: 7)
        case nil: break
        }
        writer.writeMessage(metadataContext, field: 8)
        writer.writeMessageMap(attributes, field: 9)
        writer.writeBool(observabilityMode, field: 10)
        writer.writeMessage(protocolConfig, field: 11)
        writer.writeMessage(flowControlInit, field: 12)
        writer.writeMessage(clientWindowUpdate, field: 13)
    }
}

/// Case accessors, so handlers can write `request?.requestBody?.body`.
extension ProcessingRequest.Request {
    public var requestHeaders: HttpHeaders? {
        if case .requestHeaders(let value) = self { return value }
        return nil
    }

    public var responseHeaders: HttpHeaders? {
        if case .responseHeaders(let value) = self { return value }
        return nil
    }

    public var requestBody: HttpBody? {
        if case .requestBody(let value) = self { return value }
        return nil
    }

    public var responseBody: HttpBody? {
        if case .responseBody(let value) = self { return value }
        return nil
    }

    public var requestTrailers: HttpTrailers? {
        if case .requestTrailers(let value) = self { return value }
        return nil
    }

    public var responseTrailers: HttpTrailers? {
        if case .responseTrailers(let value) = self { return value }
        return nil
    }
}
