import EnvoyProto
import ProtoWire
import Testing

/// The decoder recurses once per nested message; the depth bound turns hostile nesting into an
/// error instead of a stack overflow.
@Suite("Depth limit")
struct DepthLimitTests {
    /// One layer of `Struct{fields{"k": Value{list_value: ListValue{values: [Value{struct_value: ...}]}}}}`
    /// is five messages deep (Struct, map entry, Value, ListValue, Value). Sizes are computed
    /// inside-out first, then prefixes written outside-in, so 10,000 layers take linear time.
    static func hostileStruct(layers: Int) -> [UInt8] {
        // Per layer, innermost first: Value.struct_value (2a), ListValue.values (0a),
        // Value.list_value (32), entry.value (12, preceded by the 3-byte key "k"), Struct.fields (0a).
        let keyBytes: [UInt8] = [0x0A, 0x01, 0x6B]
        var sizes: [Int] = []   // payload size under each length prefix, innermost first
        var size = 0            // the innermost Struct is empty
        for _ in 0..<layers {
            for _ in 0..<4 {
                sizes.append(size)
                size = 1 + varintSize(size) + size
            }
            sizes.append(size + keyBytes.count)      // entry payload = key + value field
            size = 1 + varintSize(size + keyBytes.count) + size + keyBytes.count
        }
        // Prefixes outside-in: Struct.fields(entry), [key], entry.value, Value.list_value,
        // ListValue.values, Value.struct_value.
        var writer = ProtoWriter(reservingCapacity: size)
        var index = sizes.count - 1
        func prefix(_ field: Int) {
            writer.writeKey(field: field, wireType: .lengthDelimited)
            writer.writeVarint(UInt64(sizes[index]))
            index -= 1
        }
        for _ in 0..<layers {
            prefix(1)                 // Struct.fields -> entry
            writer.writeRaw(keyBytes)
            prefix(2)                 // entry.value -> Value
            prefix(6)                 // Value.list_value -> ListValue
            prefix(1)                 // ListValue.values -> Value
            prefix(5)                 // Value.struct_value -> Struct
        }
        precondition(index == -1 && writer.bytes.count == size)
        return writer.bytes
    }

    private static func varintSize(_ value: Int) -> Int { ProtoWriter.varintSize(UInt64(value)) }

    @Test("the hostile builder produces valid protobuf when shallow")
    func builderIsValid() throws {
        let decoded = try ProtoStruct(serializedBytes: Self.hostileStruct(layers: 2))
        let expected: ProtoStruct = ["k": [["k": [[:]]]]]
        #expect(decoded == expected)
    }

    @Test("Struct in ListValue in Struct x10,000 throws recursionLimitExceeded")
    func hostileNesting() throws {
        let bytes = Self.hostileStruct(layers: 10_000)
        #expect(bytes.count > 100_000)
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) { try ProtoStruct(serializedBytes: bytes) }

        // The same payload as Envoy metadata and as ext_proc response dynamic metadata.
        var request = ProtoWriter()
        request.writeLengthDelimited(field: 8) { metadata in
            metadata.writeLengthDelimited(field: 1) { entry in
                entry.writeString("ns", field: 1)
                entry.writeBytes(bytes, field: 2)
            }
        }
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) {
            try ProcessingRequest(serializedBytes: request.bytes)
        }
        var response = ProtoWriter()
        response.writeBytes(bytes, field: 8)
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) {
            try ProcessingResponse(serializedBytes: response.bytes)
        }
        var check = ProtoWriter()
        check.writeBytes(bytes, field: 4)
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) { try CheckResponse(serializedBytes: check.bytes) }
    }

    /// A chain of `n` nested ListValue/Value messages: depth n-1 below the top-level Value.
    private func valueChain(messages: Int) -> [UInt8] {
        var value = ProtoValue.null
        for _ in 0..<(messages - 1) / 2 {
            value = .list(ProtoListValue(values: [value]))
        }
        return value.serializedBytes()
    }

    @Test("exactly maxDepth nested levels decode, one more fails")
    func boundary() throws {
        // Top-level Value is depth 0; 101 messages reach depth 100 == default maxDepth.
        #expect(throws: Never.self) { try ProtoValue(serializedBytes: valueChain(messages: 101)) }
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) {
            try ProtoValue(serializedBytes: valueChain(messages: 103))
        }
        #expect(throws: Never.self) { try ProtoValue(serializedBytes: valueChain(messages: 7), maxDepth: 6) }
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) {
            try ProtoValue(serializedBytes: valueChain(messages: 9), maxDepth: 6)
        }
    }

    @Test("deeply nested unknown groups are bounded too")
    func nestedGroups() {
        let bytes = [UInt8](repeating: 0x0B, count: 10_000)   // field 1 start-group, 10,000 times
        #expect(throws: ProtoDecodingError.recursionLimitExceeded) { try HealthCheckRequest(serializedBytes: bytes) }
        var balanced = [UInt8](repeating: 0x0B, count: 50)
        balanced += [UInt8](repeating: 0x0C, count: 50)
        #expect(throws: Never.self) { try HealthCheckRequest(serializedBytes: balanced) }
    }
}
