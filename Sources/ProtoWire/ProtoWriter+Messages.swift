/// Sub-message writes. A message field has explicit presence, so a present-but-empty message is
/// still written (`key 00`); Envoy branches on that presence (`has_header_mutation()`, ...).
extension ProtoWriter {
    /// Writes `message` if present; `nil` writes nothing.
    @inlinable
    public mutating func writeMessage<M: ProtoMessage>(_ message: M?, field: Int) {
        guard let message else { return }
        writeLengthDelimited(field: field) { message.encode(to: &$0) }
    }

    /// `repeated Message`: one key per element, in order.
    @inlinable
    public mutating func writeRepeatedMessage<M: ProtoMessage>(_ messages: [M], field: Int) {
        for message in messages {
            writeLengthDelimited(field: field) { message.encode(to: &$0) }
        }
    }
}
