import ProtoWire

/// `envoy.service.accesslog.v3.StreamAccessLogsMessage`: what Envoy's gRPC access logger
/// (`envoy.access_loggers.http_grpc`) streams, batched. The gateway reads only HTTP entries;
/// `identifier` (first message of a stream) and TCP entries are skipped.
public struct StreamAccessLogsMessage: ProtoMessage, Hashable {
    /// `http_logs.log_entry` (field 2 → 1), flattened.
    public var httpEntries: [HTTPAccessLogEntry]

    public init() { self.init(httpEntries: []) }

    public init(httpEntries: [HTTPAccessLogEntry]) {
        self.httpEntries = httpEntries
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (2, .lengthDelimited):
                httpEntries.append(contentsOf: try reader.readMessage(HTTPAccessLogEntries.self, depth: depth).entries)
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        if !httpEntries.isEmpty {
            writer.writeMessage(HTTPAccessLogEntries(entries: httpEntries), field: 2)
        }
    }
}

/// `StreamAccessLogsMessage.HTTPAccessLogEntries`.
struct HTTPAccessLogEntries: ProtoMessage, Hashable {
    var entries: [HTTPAccessLogEntry]

    init() { entries = [] }
    init(entries: [HTTPAccessLogEntry]) { self.entries = entries }

    mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): entries.append(try reader.readMessage(HTTPAccessLogEntry.self, depth: depth))
            default: try reader.skip(field)
            }
        }
    }

    func encode(to writer: inout ProtoWriter) {
        for entry in entries { writer.writeMessage(entry, field: 1) }
    }
}
