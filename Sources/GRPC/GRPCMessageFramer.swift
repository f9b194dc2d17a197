/// gRPC's length-prefixed message format: 1 byte compressed flag, 4 bytes big-endian length, payload.
public enum GRPCMessageFramer {
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(message.count + 5)
        appendFrame(message, to: &out)
        return out
    }

    public static func appendFrame(_ message: [UInt8], to out: inout [UInt8]) {
        let n = UInt32(message.count)
        out.append(0)
        out.append(UInt8(truncatingIfNeeded: n >> 24))
        out.append(UInt8(truncatingIfNeeded: n >> 16))
        out.append(UInt8(truncatingIfNeeded: n >> 8))
        out.append(UInt8(truncatingIfNeeded: n))
        out.append(contentsOf: message)
    }
}

/// Reassembles length-prefixed messages from DATA chunks, whose boundaries bear no relation to
/// message boundaries: one chunk may hold several messages, or a split 5-byte prefix.
struct GRPCMessageDeframer {
    let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var offset = 0

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    var hasPartialMessage: Bool { buffer.count > offset }

    /// Appends `bytes` and returns every message now complete, or the status that ends the call.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Result<[[UInt8]], GRPCStatus> {
        buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        while buffer.count - offset >= 5 {
            let flag = buffer[offset]
            let length = Int(buffer[offset + 1]) << 24 | Int(buffer[offset + 2]) << 16
                | Int(buffer[offset + 3]) << 8 | Int(buffer[offset + 4])
            if flag == 1 {
                return .failure(GRPCStatus(.unimplemented, "compressed messages are not supported (no grpc-encoding was negotiated)"))
            }
            if flag > 1 {
                return .failure(GRPCStatus(.internal, "invalid message flag \(flag)"))
            }
            if length > maxMessageSize {
                return .failure(GRPCStatus(.resourceExhausted, "message of \(length) bytes exceeds the limit of \(maxMessageSize)"))
            }
            guard buffer.count - offset - 5 >= length else { break }
            messages.append(Array(buffer[(offset + 5)..<(offset + 5 + length)]))
            offset += 5 + length
        }
        if offset == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            offset = 0
        } else if offset > 64 * 1024 {
            buffer.removeFirst(offset)
            offset = 0
        }
        return .success(messages)
    }
}
