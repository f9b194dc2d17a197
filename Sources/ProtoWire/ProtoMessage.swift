/// A message type with a hand-written wire codec.
///
/// Decoding is expressed as *merge* (`merge(from:depth:)`), not as a fresh parse, because protobuf
/// requires a singular message field that appears twice on the wire to be merged, and a merge
/// primitive gives that for free. `init(reader:depth:)` is the fresh-parse convenience on top.
///
/// `depth` is the nesting level of the message being decoded (0 for the top-level message); it is
/// passed to nested reads so `ProtoReader` can enforce its `maxDepth`.
public protocol ProtoMessage: Sendable, Equatable {
    /// The message with every field at its default (what a zero-length encoding decodes to).
    init()

    /// Reads fields until the reader is exhausted, merging them into `self`.
    mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError)

    /// Appends the fields of `self` in field-number order (what C++ and upb emit), omitting
    /// proto3 implicit-presence fields that hold their default.
    func encode(to writer: inout ProtoWriter)
}

extension ProtoMessage {
    @inlinable
    public init(reader: inout ProtoReader, depth: Int = 0) throws(ProtoDecodingError) {
        self.init()
        try merge(from: &reader, depth: depth)
    }

    @inlinable
    public init(serializedBytes bytes: [UInt8], maxDepth: Int = ProtoReader.defaultMaxDepth) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes, maxDepth: maxDepth)
        try self.init(reader: &reader, depth: 0)
    }

    @inlinable
    public init(serializedBytes bytes: ArraySlice<UInt8>, maxDepth: Int = ProtoReader.defaultMaxDepth) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes, maxDepth: maxDepth)
        try self.init(reader: &reader, depth: 0)
    }

    /// Accepts any byte collection; arrays and array slices take the non-copying overloads above.
    @inlinable
    public init(serializedBytes bytes: some Collection<UInt8>, maxDepth: Int = ProtoReader.defaultMaxDepth) throws(ProtoDecodingError) {
        try self.init(serializedBytes: Array(bytes), maxDepth: maxDepth)
    }

    @inlinable
    public func serializedBytes() -> [UInt8] {
        var writer = ProtoWriter()
        encode(to: &writer)
        return writer.bytes
    }
}
