import EnvoyProto
import ProtoWire
import Testing

/// Hostile or broken input must produce a typed error, never a trap.
@Suite("Malformed input")
struct MalformedInputTests {
    private static let messageTypes: [any ProtoMessage.Type] = [
        ProcessingRequest.self, ProcessingResponse.self, CheckRequest.self, CheckResponse.self,
        ProtoStruct.self, HealthCheckRequest.self,
    ]

    private func expectError(_ hex: String, _ error: ProtoDecodingError, sourceLocation: SourceLocation = #_sourceLocation) {
        for type in Self.messageTypes {
            #expect(throws: error, "\(type)", sourceLocation: sourceLocation) {
                _ = try type.init(serializedBytes: wire(hex), maxDepth: ProtoReader.defaultMaxDepth)
            }
        }
    }

    @Test("overlong varints (11 bytes, or a 10th byte with the continuation bit)")
    func overlongVarints() {
        expectError("ff ff ff ff ff ff ff ff ff ff 01", .overlongVarint)            // as a key
        expectError("f8 07 ff ff ff ff ff ff ff ff ff 80 01", .overlongVarint)      // as field 127's value
        expectError("f8 07 80 80 80 80 80 80 80 80 80 80 80 80 00", .overlongVarint)
    }

    @Test("truncated varints and fixed-width values")
    func truncated() {
        expectError("80", .truncated)
        expectError("f8 07 80 80", .truncated)
        expectError("f9 07 01 02 03", .truncated)     // fixed64 with 3 bytes
        expectError("fd 07 01", .truncated)           // fixed32 with 1 byte
        expectError("fb 07 f8 07 01", .truncated)     // group never closed
    }

    @Test("lengths past the end, including absurd ones")
    func lengthPastEnd() {
        expectError("fa 07 05 00", .lengthPastEnd)
        expectError("fa 07 ff ff ff ff ff ff ff ff ff 01", .lengthPastEnd)   // 2^64-1
        expectError("fa 07 ff ff ff ff 07", .lengthPastEnd)                  // 2^31-1
    }

    @Test("field number 0, and keys too wide for a field number")
    func invalidFieldNumbers() {
        expectError("00 00", .invalidFieldNumber)
        expectError("02 00", .invalidFieldNumber)
        expectError("05 00 00 00 00", .invalidFieldNumber)
        expectError("80 80 80 80 80 01 00", .invalidFieldNumber)   // key 2^35
    }

    @Test("wire types 6 and 7")
    func invalidWireTypes() {
        expectError("0e 00", .invalidWireType)
        expectError("0f 00", .invalidWireType)
        expectError("fe 07 00", .invalidWireType)
        expectError("fb 07 0f 00 fc 07", .invalidWireType)   // inside a skipped group
    }

    @Test("end-group without start, and mismatched end-group")
    func groups() {
        expectError("0c", .unmatchedEndGroup)
        expectError("fb 07 f4 07", .unmatchedEndGroup)    // start 127, end 126
    }

    @Test("invalid UTF-8 in string fields of Envoy messages")
    func invalidUTF8() {
        // ProcessingRequest.request_headers.headers.headers[0].key = c3 28
        #expect(throws: ProtoDecodingError.invalidUTF8) {
            _ = try ProcessingRequest(serializedBytes: wire("12 08 0a 06 0a 04 0a 02 c3 28"))
        }
        // ...but raw_value may hold anything.
        #expect(throws: Never.self) {
            _ = try ProcessingRequest(serializedBytes: wire("12 0b 0a 09 0a 07 0a 01 6b 1a 02 c3 28"))
        }
        // CheckRequest map key
        #expect(throws: ProtoDecodingError.invalidUTF8) {
            _ = try CheckRequest(serializedBytes: wire("0a 0a 22 08 12 06 1a 04 0a 02 ff fe"))
        }
    }

    @Test("errors inside deeply nested fields surface unchanged")
    func nestedErrors() {
        // ProcessingResponse.request_headers.response.header_mutation with a bad wire type inside.
        #expect(throws: ProtoDecodingError.invalidWireType) {
            _ = try ProcessingResponse(serializedBytes: wire("0a 06 0a 04 12 02 0f 00"))
        }
        #expect(throws: ProtoDecodingError.lengthPastEnd) {
            _ = try ProcessingResponse(serializedBytes: wire("0a 04 0a 02 12 05"))
        }
    }
}
