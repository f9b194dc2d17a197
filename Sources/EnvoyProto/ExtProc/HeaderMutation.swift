import ProtoWire

/// `envoy.service.ext_proc.v3.HeaderMutation`.
public struct HeaderMutation: ProtoMessage, Hashable {
    /// For ext_proc put values in `raw_value` (see `HeaderValueOption.overwrite(key:rawValue:)`).
    public var setHeaders: [HeaderValueOption]
    /// Pseudo-headers and `host` cannot be removed.
    public var removeHeaders: [String]

    public init() { self.init(setHeaders: []) }

    public init(setHeaders: [HeaderValueOption], removeHeaders: [String] = []) {
        self.setHeaders = setHeaders
        self.removeHeaders = removeHeaders
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): setHeaders.append(try reader.readMessage(HeaderValueOption.self, depth: depth))
            case (2, .lengthDelimited): removeHeaders.append(try reader.readString())
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeRepeatedMessage(setHeaders, field: 1)
        writer.writeRepeatedString(removeHeaders, field: 2)
    }
}
