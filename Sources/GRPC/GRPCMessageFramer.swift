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
        var messages: [[UInt8]] = []
        var input = bytes[...]
        // Fast path: nothing pending, so whole messages are copied straight out of the chunk
        // (one copy each) and only a trailing partial message is buffered.
        if buffer.count == offset {
            while input.count >= 5 {
                let base = input.startIndex
                let header = Self.header(flag: input[base], input[base + 1], input[base + 2], input[base + 3], input[base + 4])
                if case .failure(let status) = check(header.flag, header.length) { return .failure(status) }
                guard input.count - 5 >= header.length else { break }
                messages.append(Array(UnsafeRawBufferPointer(rebasing: input[(base + 5)..<(base + 5 + header.length)])))
                input = input[(base + 5 + header.length)...]
            }
            if input.isEmpty { return .success(messages) }
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input))
        while buffer.count - offset >= 5 {
            let header = Self.header(flag: buffer[offset], buffer[offset + 1], buffer[offset + 2], buffer[offset + 3], buffer[offset + 4])
            if case .failure(let status) = check(header.flag, header.length) { return .failure(status) }
            guard buffer.count - offset - 5 >= header.length else { break }
            messages.append(Array(buffer[(offset + 5)..<(offset + 5 + header.length)]))
            offset += 5 + header.length
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

    private static func header(flag: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8) -> (flag: UInt8, length: Int) {
        (flag, Int(b1) << 24 | Int(b2) << 16 | Int(b3) << 8 | Int(b4))
    }

    private func check(_ flag: UInt8, _ length: Int) -> Result<Void, GRPCStatus> {
        if flag == 1 {
            return .failure(GRPCStatus(.unimplemented, "compressed messages are not supported (no grpc-encoding was negotiated)"))
        }
        if flag > 1 { return .failure(GRPCStatus(.internal, "invalid message flag \(flag)")) }
        if length > maxMessageSize {
            return .failure(GRPCStatus(.resourceExhausted, "message of \(length) bytes exceeds the limit of \(maxMessageSize)"))
        }
        return .success(())
    }
}
