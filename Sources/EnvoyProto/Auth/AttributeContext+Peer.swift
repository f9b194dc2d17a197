import ProtoWire

extension AttributeContext {
    /// `AttributeContext.Peer`: the downstream client (`source`) or Envoy's listener (`destination`).
    public struct Peer: ProtoMessage, Hashable {
        public var address: Address?
        public var service: String
        public var labels: [String: String]
        /// URI SAN or subject of the peer certificate.
        public var principal: String
        /// URL-encoded PEM, only with `include_peer_certificate`.
        public var certificate: String

        public init() { self.init(address: nil) }

        public init(address: Address?, service: String = "", labels: [String: String] = [:],
                    principal: String = "", certificate: String = "") {
            self.address = address
            self.service = service
            self.labels = labels
            self.principal = principal
            self.certificate = certificate
        }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .lengthDelimited): try reader.mergeMessage(into: &address, depth: depth)
                case (2, .lengthDelimited): service = try reader.readString()
                case (3, .lengthDelimited):
                    let entry = try reader.readStringMapEntry(depth: depth)
                    labels[entry.key] = entry.value
                case (4, .lengthDelimited): principal = try reader.readString()
                case (5, .lengthDelimited): certificate = try reader.readString()
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeMessage(address, field: 1)
            writer.writeString(service, field: 2)
            writer.writeStringMap(labels, field: 3)
            writer.writeString(principal, field: 4)
            writer.writeString(certificate, field: 5)
        }
    }

    /// `AttributeContext.TLSSession`.
    public struct TLSSession: ProtoMessage, Hashable {
        public var sni: String

        public init() { sni = "" }

        public init(sni: String) { self.sni = sni }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .lengthDelimited): sni = try reader.readString()
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeString(sni, field: 1)
        }
    }
}
