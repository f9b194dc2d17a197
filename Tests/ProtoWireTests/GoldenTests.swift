import EnvoyProto
import ProtoWire
import Testing

/// Byte-level agreement with Python protobuf (see Tests/golden/make_golden.py).
@Suite("Golden vectors")
struct GoldenTests {
    @Test("golden.json is bundled and every case has a hand-written expectation")
    func everyCaseHasAnExpectation() {
        #expect(GoldenCase.all.count >= 70)
        let caseNames = Set(GoldenCase.all.map(\.name))
        let expectationNames = Set(GoldenExpectations.all.keys)
        #expect(caseNames.subtracting(expectationNames).sorted() == [], "cases without expectation")
        #expect(expectationNames.subtracting(caseNames).sorted() == [], "expectations without case")
    }

    @Test("decode matches, encode matches", arguments: GoldenCase.all)
    func golden(_ golden: GoldenCase) throws {
        let expectation = try #require(GoldenExpectations.all[golden.name])
        #expect(expectation.typeName == golden.type, "Swift type does not match the proto type")
        expectation.verify(golden)
    }

    @Test("every ext_proc / ext_authz message type is covered")
    func coverage() {
        let types = Set(GoldenCase.all.map(\.type))
        for name in ["envoy.service.ext_proc.v3.ProcessingRequest", "envoy.service.ext_proc.v3.ProcessingResponse",
                     "envoy.service.auth.v3.CheckRequest", "envoy.service.auth.v3.CheckResponse",
                     "google.rpc.Status", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse"] {
            #expect(types.contains(name), "\(name) has no golden case")
        }
    }

    @Test("-0.0 keeps its sign through decode (== cannot tell)")
    func negativeZero() throws {
        let golden = try #require(GoldenCase.named("value_negative_zero"))
        let value = try ProtoValue(serializedBytes: golden.bytes)
        #expect(value.numberValue?.sign == .minus)
    }
}
