import ProtoWire

/// `envoy.service.ext_proc.v3.ProtocolConfiguration`: the effective body modes, sent only on the
/// first `ProcessingRequest` of a stream (after per-route overrides were applied).
public struct ProtocolConfiguration: ProtoMessage, Hashable {
    public var requestBodyMode: ProcessingMode.BodySendMode
    public var responseBodyMode: ProcessingMode.BodySendMode
    public var sendBodyWithoutWaitingForHeaderResponse: Bool

    public init() { self.init(requestBodyMode: .none, responseBodyMode: .none) }

    public init(requestBodyMode: ProcessingMode.BodySendMode, responseBodyMode: ProcessingMode.BodySendMode,
                sendBodyWithoutWaitingForHeaderResponse: Bool = false) {
        self.requestBodyMode = requestBodyMode
        self.responseBodyMode = responseBodyMode
        self.sendBodyWithoutWaitingForHeaderResponse = sendBodyWithoutWaitingForHeaderResponse
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): requestBodyMode = .init(rawValue: try reader.readEnum())
            case (2, .varint): responseBodyMode = .init(rawValue: try reader.readEnum())
            case (3, .varint): sendBodyWithoutWaitingForHeaderResponse = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeEnum(requestBodyMode.rawValue, field: 1)
        writer.writeEnum(responseBodyMode.rawValue, field: 2)
        writer.writeBool(sendBodyWithoutWaitingForHeaderResponse, field: 3)
    }
}
