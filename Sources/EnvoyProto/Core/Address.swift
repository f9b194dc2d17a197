import ProtoWire

/// `envoy.config.core.v3.Address` (peer addresses in ext_authz `AttributeContext`).
public struct Address: ProtoMessage, Hashable {
    /// oneof `address`.
    public enum Kind: Sendable, Hashable {
        case socketAddress(SocketAddress)
        case pipe(Pipe)
        case envoyInternalAddress(EnvoyInternalAddress)
    }

    public var address: Kind?

    public init() { address = nil }

    public init(_ address: Kind?) { self.address = address }

    /// The socket address, if that is the kind set.
    public var socketAddress: SocketAddress? {
        if case .socketAddress(let value) = address { return value }
        return nil
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                var value = socketAddress ?? SocketAddress()
                try reader.mergeMessage(into: &value, depth: depth)
                address = .socketAddress(value)
            case (2, .lengthDelimited):
                var value = Pipe()
                if case .pipe(let existing) = address { value = existing }
                try reader.mergeMessage(into: &value, depth: depth)
                address = .pipe(value)
            case (3, .lengthDelimited):
                var value = EnvoyInternalAddress()
                if case .envoyInternalAddress(let existing) = address { value = existing }
                try reader.mergeMessage(into: &value, depth: depth)
                address = .envoyInternalAddress(value)
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        switch address {
        case .socketAddress(let value): writer.writeMessage(value, field: 1)
        case .pipe(let value): writer.writeMessage(value, field: 2)
        case .envoyInternalAddress(let value): writer.writeMessage(value, field: 3)
        case nil: break
        }
    }
}

/// `envoy.config.core.v3.SocketAddress`.
public struct SocketAddress: ProtoMessage, Hashable {
    /// oneof `port_specifier`.
    public enum PortSpecifier: Sendable, Hashable {
        case portValue(UInt32)
        case namedPort(String)
    }

    public struct `Protocol`: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let tcp = Protocol(rawValue: 0)
        public static let udp = Protocol(rawValue: 1)
    }

    public var `protocol`: Protocol
    public var address: String
    public var portSpecifier: PortSpecifier?
    public var resolverName: String
    public var ipv4Compat: Bool
    public var networkNamespaceFilepath: String

    public init() { self.init(address: "") }

    public init(address: String, portValue: UInt32? = nil, protocol: Protocol = .tcp) {
        self.protocol = `protocol`
        self.address = address
        self.portSpecifier = portValue.map(PortSpecifier.portValue)
        self.resolverName = ""
        self.ipv4Compat = false
        self.networkNamespaceFilepath = ""
    }

    /// The numeric port, or 0 when unset or named.
    public var portValue: UInt32 {
        if case .portValue(let port) = portSpecifier { return port }
        return 0
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): self.protocol = Protocol(rawValue: try reader.readEnum())
            case (2, .lengthDelimited): address = try reader.readString()
            case (3, .varint): portSpecifier = .portValue(try reader.readUInt32())
            case (4, .lengthDelimited): portSpecifier = .namedPort(try reader.readString())
            case (5, .lengthDelimited): resolverName = try reader.readString()
            case (6, .varint): ipv4Compat = try reader.readBool()
            case (7, .lengthDelimited): networkNamespaceFilepath = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeEnum(self.protocol.rawValue, field: 1)
        writer.writeString(address, field: 2)
        switch portSpecifier {
        case .portValue(let port): writer.writeUInt32(port, field: 3, alwaysEmit: true)
        case .namedPort(let name): writer.writeString(name, field: 4, alwaysEmit: true)
        case nil: break
        }
        writer.writeString(resolverName, field: 5)
        writer.writeBool(ipv4Compat, field: 6)
        writer.writeString(networkNamespaceFilepath, field: 7)
    }
}

/// `envoy.config.core.v3.Pipe` (Unix domain socket peer).
public struct Pipe: ProtoMessage, Hashable {
    public var path: String
    public var mode: UInt32

    public init() { self.init(path: "") }

    public init(path: String, mode: UInt32 = 0) {
        self.path = path
        self.mode = mode
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): path = try reader.readString()
            case (2, .varint): mode = try reader.readUInt32()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(path, field: 1)
        writer.writeUInt32(mode, field: 2)
    }
}

/// `envoy.config.core.v3.EnvoyInternalAddress` (peer on an internal listener).
public struct EnvoyInternalAddress: ProtoMessage, Hashable {
    /// oneof `address_name_specifier` has a single member, so `nil` means unset.
    public var serverListenerName: String?
    public var endpointID: String

    public init() { self.init(serverListenerName: nil) }

    public init(serverListenerName: String?, endpointID: String = "") {
        self.serverListenerName = serverListenerName
        self.endpointID = endpointID
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): serverListenerName = try reader.readString()
            case (2, .lengthDelimited): endpointID = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        if let serverListenerName { writer.writeString(serverListenerName, field: 1, alwaysEmit: true) }
        writer.writeString(endpointID, field: 2)
    }
}
