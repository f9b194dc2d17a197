import ProtoWire

/// `envoy.data.accesslog.v3.HTTPAccessLogEntry`, the fields the gateway reads: the request's
/// dynamic metadata (what ext_proc recorded about a forwarded call), its status, how long it
/// took and Envoy's reasons for a failure. Everything else Envoy sends is skipped on decode.
///
/// One entry arrives per forwarded call, so the metadata stays in its wire form until asked for:
/// `strings(inNamespace:)` and `namespace(_:)` read one namespace without building the rest
/// (decoding every namespace into dictionaries was a fifth of the gateway's work per call).
public struct HTTPAccessLogEntry: ProtoMessage {
    /// `common_properties.metadata` (1 → 17), serialized `envoy.config.core.v3.Metadata`.
    public var metadataBytes: [UInt8]?
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
        self.metadataBytes = metadata?.serializedBytes()
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
            case (17, .lengthDelimited):
                // Kept in wire form; the lazy readers answer nil for a malformed namespace and bound
                // nesting like any decode.
                metadataBytes = try reader.readBytes()
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
        if let metadataBytes { common.writeBytes(metadataBytes, field: 17, alwaysEmit: true) }
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

extension HTTPAccessLogEntry: Hashable {
    /// The whole metadata, decoded.
    public var metadata: Metadata? { metadataBytes.flatMap { try? Metadata(serializedBytes: $0) } }

    /// The string-valued fields of one metadata namespace (others skipped), in wire order; nil if
    /// the namespace is absent.
    public func strings(inNamespace name: String) -> [(String, String)]? {
        guard let structBytes = namespaceBytes(name) else { return nil }
        var out: [(String, String)] = []
        var reader = ProtoReader(structBytes)
        do {
            while let field = try reader.nextField() {
                guard field.number == 1, field.wireType == .lengthDelimited else { try reader.skip(field); continue }
                var entry = try reader.nestedReader(depth: 0)
                var key = "", value: String?
                while let f = try entry.nextField() {
                    switch (f.number, f.wireType) {
                    case (1, .lengthDelimited): key = try entry.readString()
                    case (2, .lengthDelimited):
                        var v = try entry.nestedReader(depth: 1)
                        while let vf = try v.nextField() {
                            if vf.number == 3, vf.wireType == .lengthDelimited { value = try v.readString() } else { try v.skip(vf) }
                        }
                    default: try entry.skip(f)
                    }
                }
                if let value { out.append((key, value)) }
            }
        } catch {
            return nil
        }
        return out
    }

    /// One namespace of the metadata, decoded; nil if absent.
    public func namespace(_ name: String) -> ProtoStruct? {
        namespaceBytes(name).flatMap { try? ProtoStruct(serializedBytes: Array($0)) }
    }

    /// The serialized Struct of `filter_metadata[name]` (the last entry wins, as in a decoded map;
    /// a value repeated inside an entry is merged, which for protobuf is concatenation). A view
    /// into the entry's bytes, copied only in that rare repeated case: this runs for every
    /// forwarded call's access-log entry.
    private func namespaceBytes(_ name: String) -> ArraySlice<UInt8>? {
        guard let metadataBytes else { return nil }
        var reader = ProtoReader(metadataBytes)
        var found: ArraySlice<UInt8>?
        do {
            while let field = try reader.nextField() {
                guard field.number == 1, field.wireType == .lengthDelimited else { try reader.skip(field); continue }
                var entry = try reader.nestedReader(depth: 0)
                var key: ArraySlice<UInt8> = [], value: ArraySlice<UInt8>?
                while let f = try entry.nextField() {
                    switch (f.number, f.wireType) {
                    case (1, .lengthDelimited): key = try entry.readLengthDelimited()
                    case (2, .lengthDelimited):
                        let more = try entry.readLengthDelimited()
                        value = value.map { ArraySlice(Array($0) + more) } ?? more  // repeated: merged, as concatenation does
                    default: try entry.skip(f)
                    }
                }
                if key.elementsEqual(name.utf8) { found = value ?? [] }
            }
        } catch {
            return nil
        }
        return found
    }

    public static func == (a: HTTPAccessLogEntry, b: HTTPAccessLogEntry) -> Bool {
        a.metadata == b.metadata && a.timeToLastDownstreamTxByte == b.timeToLastDownstreamTxByte && a.responseFlags == b.responseFlags
            && a.requestID == b.requestID && a.responseCode == b.responseCode
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(requestID)
        hasher.combine(responseCode)
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
