import ProtoWire

/// `envoy.data.accesslog.v3.HTTPAccessLogEntry`, the fields the gateway reads: the request's
/// dynamic metadata (what ext_proc recorded about a forwarded call), its status, how long it
/// took and Envoy's reasons for a failure. Everything else Envoy sends is skipped on decode.
public struct HTTPAccessLogEntry: ProtoMessage, Hashable {
    /// `common_properties.metadata` (1 → 17).
    public var metadata: Metadata?
    /// `common_properties.time_to_last_downstream_tx_byte` (1 → 12): the whole exchange as the client saw it.
    public var timeToLastDownstreamTxByte: ProtoDuration?
    /// `common_properties.response_flags` (1 → 16).
    public var responseFlags: AccessLogResponseFlags
    /// `request.request_id` (3 → 9).
    public var requestID: String
    /// `response.response_code` (4 → 1).
    public var responseCode: UInt32?

    public init() { self.init(metadata: nil) }

    public init(metadata: Metadata?, timeToLastDownstreamTxByte: ProtoDuration? = nil,
                responseFlags: AccessLogResponseFlags = AccessLogResponseFlags(), requestID: String = "", responseCode: UInt32? = nil) {
        self.metadata = metadata
        self.timeToLastDownstreamTxByte = timeToLastDownstreamTxByte
        self.responseFlags = responseFlags
        self.requestID = requestID
        self.responseCode = responseCode
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                var nested = try reader.nestedReader(depth: depth)
                try mergeCommon(&nested, depth + 1)
            case (3, .lengthDelimited):
                var nested = try reader.nestedReader(depth: depth)
                try mergeRequest(&nested, depth + 1)
            case (4, .lengthDelimited):
                var nested = try reader.nestedReader(depth: depth)
                try mergeResponse(&nested, depth + 1)
            default: try reader.skip(field)
            }
        }
    }

    private mutating func mergeCommon(_ reader: inout ProtoReader, _ depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (12, .lengthDelimited): try reader.mergeMessage(into: &timeToLastDownstreamTxByte, depth: depth)
            case (16, .lengthDelimited): responseFlags = try reader.readMessage(merging: responseFlags, depth: depth)
            case (17, .lengthDelimited): try reader.mergeMessage(into: &metadata, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    private mutating func mergeRequest(_ reader: inout ProtoReader, _ depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (9, .lengthDelimited): requestID = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    private mutating func mergeResponse(_ reader: inout ProtoReader, _ depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): responseCode = try reader.readUInt32Value(merging: responseCode, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        var common = ProtoWriter()
        common.writeMessage(timeToLastDownstreamTxByte, field: 12)
        if responseFlags != AccessLogResponseFlags() { common.writeMessage(responseFlags, field: 16) }
        common.writeMessage(metadata, field: 17)
        writer.writeBytes(common.bytes, field: 1)
        if !requestID.isEmpty {
            var request = ProtoWriter()
            request.writeString(requestID, field: 9)
            writer.writeBytes(request.bytes, field: 3)
        }
        if let responseCode {
            var response = ProtoWriter()
            response.writeUInt32Value(responseCode, field: 1)
            writer.writeBytes(response.bytes, field: 4)
        }
    }
}

/// `envoy.data.accesslog.v3.ResponseFlags`: the flags that say why Envoy itself answered instead
/// of the server (the gateway reports them as `unavailable` or `timeout`).
public struct AccessLogResponseFlags: ProtoMessage, Hashable {
    public var noHealthyUpstream = false          // 2
    public var upstreamRequestTimeout = false     // 3
    public var upstreamConnectionFailure = false  // 6
    public var upstreamOverflow = false           // 8
    public var dnsResolutionFailure = false       // 27

    public init() {}

    /// Envoy could not get an answer from the server at all.
    public var serverUnreachable: Bool { noHealthyUpstream || upstreamConnectionFailure || upstreamOverflow || dnsResolutionFailure }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (2, .varint): noHealthyUpstream = try reader.readBool()
            case (3, .varint): upstreamRequestTimeout = try reader.readBool()
            case (6, .varint): upstreamConnectionFailure = try reader.readBool()
            case (8, .varint): upstreamOverflow = try reader.readBool()
            case (27, .varint): dnsResolutionFailure = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeBool(noHealthyUpstream, field: 2)
        writer.writeBool(upstreamRequestTimeout, field: 3)
        writer.writeBool(upstreamConnectionFailure, field: 6)
        writer.writeBool(upstreamOverflow, field: 8)
        writer.writeBool(dnsResolutionFailure, field: 27)
    }
}
