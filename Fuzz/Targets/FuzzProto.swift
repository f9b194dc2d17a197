// Fuzz target `proto`: the hand-written protobuf decoder (ProtoWire) on the Envoy messages the
// gateway reads from the network (ProcessingRequest from ext_proc, CheckRequest from ext_authz,
// HealthCheckRequest from Envoy's health checker, StreamAccessLogsMessage from its gRPC access
// logger) and the two it produces (ProcessingResponse, CheckResponse). Every input is decoded as
// each type. Properties:
// * decoding never traps (only succeeds or throws ProtoDecodingError);
// * what decodes re-encodes to bytes that decode again and re-encode identically
//   (encode ∘ decode ∘ encode == encode);
// * decoding an ArraySlice that does not start at index 0 gives the same result as decoding a
//   fresh array of the same bytes (reader index arithmetic);
// * an access log entry's metadata, kept in wire form, can be read lazily (one namespace) without
//   trapping, and agrees with the full decode wherever the full decode succeeds.
import EnvoyProto
import ProtoWire

private let types: [any ProtoMessage.Type] = [
    ProcessingRequest.self, CheckRequest.self, HealthCheckRequest.self, ProcessingResponse.self, CheckResponse.self,
    StreamAccessLogsMessage.self,
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProto(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzInput(data, size))
    // The same bytes behind one leading byte, as a slice with startIndex 1.
    let padded = [0xA5] + bytes
    for type in types {
        exercise(type, bytes, padded[1...])
    }
    if let batch = try? StreamAccessLogsMessage(serializedBytes: bytes) {
        for entry in batch.httpEntries {
            let full = entry.metadata
            for name in ["mcp.gateway", "envoy.filters.http.ext_authz", ""] {
                let lazy = entry.namespace(name)
                if let full { fuzzCheck(lazy == full.filterMetadata[name], "lazy and full metadata decodes differ for \(hexPrefix(bytes))") }
                _ = entry.strings(inNamespace: name)
            }
        }
    }
    return 0
}

private func exercise<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8], _ slice: ArraySlice<UInt8>) {
    let fromArray = Result { () throws(ProtoDecodingError) in try M(serializedBytes: bytes) }
    let fromSlice = Result { () throws(ProtoDecodingError) in try M(serializedBytes: slice) }
    switch (fromArray, fromSlice) {
    case let (.success(message), .success(other)):
        let encoded = message.serializedBytes()
        fuzzCheck(other.serializedBytes() == encoded, "\(M.self): array and slice decodes differ for \(hexPrefix(bytes))")
        guard let again = try? M(serializedBytes: encoded) else {
            fuzzFail("\(M.self): the re-encoding of a decoded message does not decode: \(hexPrefix(bytes))")
        }
        fuzzCheck(again.serializedBytes() == encoded, "\(M.self): unstable re-encoding of \(hexPrefix(bytes))")
    case let (.failure(e1), .failure(e2)):
        fuzzCheck(e1 == e2, "\(M.self): array and slice decodes fail differently (\(e1) vs \(e2)) for \(hexPrefix(bytes))")
    default:
        fuzzFail("\(M.self): array and slice decodes disagree on validity of \(hexPrefix(bytes))")
    }
}
