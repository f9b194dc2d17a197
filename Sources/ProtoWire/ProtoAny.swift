/// `google.protobuf.Any`: a type URL plus the serialized message. Kept as bytes; unpacking is
/// explicit so an unexpected type costs nothing until someone asks for it.
public struct ProtoAny: ProtoMessage, Hashable {
    /// `type.googleapis.com/<full.message.name>`
    public var typeURL: String
    public var value: [UInt8]

    public init() { self.init(typeURL: "", value: []) }

    public init(typeURL: String, value: [UInt8]) {
        self.typeURL = typeURL
        self.value = value
    }

    /// Packs `message` under `type.googleapis.com/<fullName>`.
    public init(packing message: some ProtoMessage, fullName: String) {
        self.init(typeURL: "type.googleapis.com/" + fullName, value: message.serializedBytes())
    }

    /// The message name after the last `/` of the type URL.
    public var fullName: Substring {
        guard let slash = typeURL.lastIndex(of: "/") else { return typeURL[...] }
        return typeURL[typeURL.index(after: slash)...]
    }

    public func unpack<M: ProtoMessage>(_ type: M.Type = M.self) throws(ProtoDecodingError) -> M {
        try M(serializedBytes: value)
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): typeURL = try reader.readString()
            case (2, .lengthDelimited): value = try reader.readBytes()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(typeURL, field: 1)
        writer.writeBytes(value, field: 2)
    }
}
