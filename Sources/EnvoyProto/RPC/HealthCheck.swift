import ProtoWire

/// `grpc.health.v1.HealthCheckRequest` (`/grpc.health.v1.Health/Check` and `Watch`).
public struct HealthCheckRequest: ProtoMessage, Hashable {
    /// Empty = the server as a whole.
    public var service: String

    public init() { service = "" }

    public init(service: String) { self.service = service }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): service = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(service, field: 1)
    }
}

/// `grpc.health.v1.HealthCheckResponse`.
public struct HealthCheckResponse: ProtoMessage, Hashable {
    public struct ServingStatus: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let unknown = ServingStatus(rawValue: 0)
        public static let serving = ServingStatus(rawValue: 1)
        public static let notServing = ServingStatus(rawValue: 2)
        /// Only for `Watch`.
        public static let serviceUnknown = ServingStatus(rawValue: 3)
    }

    public var status: ServingStatus

    public init() { status = .unknown }

    public init(status: ServingStatus) { self.status = status }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): status = ServingStatus(rawValue: try reader.readEnum())
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeEnum(status.rawValue, field: 1)
    }
}
