import ProtoWire

/// `envoy.config.core.v3.HeaderValueOption`: one header mutation.
///
/// ext_proc and ext_authz interpret this message differently (value vs raw_value, append vs
/// append_action); prefer the constructors in `HeaderValueOption+Envoy.swift`, which encode the
/// combination each filter actually honours.
public struct HeaderValueOption: ProtoMessage, Hashable {
    public var header: HeaderValue?
    /// Deprecated `google.protobuf.BoolValue append`: `nil` = absent. Presence matters: ext_authz
    /// only falls back to `appendAction` when this is absent.
    public var append: Bool?
    public var appendAction: AppendAction
    public var keepEmptyValue: Bool

    public init() { self.init(header: nil) }

    public init(header: HeaderValue?, append: Bool? = nil, appendAction: AppendAction = .appendIfExistsOrAdd,
                keepEmptyValue: Bool = false) {
        self.header = header
        self.append = append
        self.appendAction = appendAction
        self.keepEmptyValue = keepEmptyValue
    }

    /// `HeaderValueOption.HeaderAppendAction` (open enum: unknown numbers are preserved).
    public struct AppendAction: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let appendIfExistsOrAdd = AppendAction(rawValue: 0)
        public static let addIfAbsent = AppendAction(rawValue: 1)
        public static let overwriteIfExistsOrAdd = AppendAction(rawValue: 2)
        public static let overwriteIfExists = AppendAction(rawValue: 3)
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &header, depth: depth)
            case (2, .lengthDelimited): append = try reader.readBoolValue(merging: append, depth: depth)
            case (3, .varint): appendAction = AppendAction(rawValue: try reader.readEnum())
            case (4, .varint): keepEmptyValue = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(header, field: 1)
        writer.writeBoolValue(append, field: 2)
        writer.writeEnum(appendAction.rawValue, field: 3)
        writer.writeBool(keepEmptyValue, field: 4)
    }
}
