import Testing
@testable import GRPC

@Suite struct GRPCDeframerTests {
    func feed(_ deframer: inout GRPCMessageDeframer, _ bytes: [UInt8]) -> Result<[[UInt8]], GRPCStatus> {
        bytes.withUnsafeBytes { deframer.append($0) }
    }

    @Test func messagesSplitAnywhereAreReassembled() throws {
        let messages: [[UInt8]] = [[], [1], Array(repeating: 7, count: 70_000), [1, 2, 3]]
        var wire: [UInt8] = []
        for m in messages { GRPCMessageFramer.appendFrame(m, to: &wire) }
        for chunkSize in [1, 2, 5, 6, 1000, wire.count] {
            var deframer = GRPCMessageDeframer(maxMessageSize: 1 << 20)
            var out: [[UInt8]] = []
            var i = 0
            while i < wire.count {
                let chunk = Array(wire[i..<min(i + chunkSize, wire.count)])
                out += try feed(&deframer, chunk).get()
                i += chunkSize
            }
            #expect(out == messages, "chunk size \(chunkSize)")
            #expect(!deframer.hasPartialMessage)
        }
    }

    @Test func partialPrefixIsRemembered() throws {
        var deframer = GRPCMessageDeframer(maxMessageSize: 100)
        #expect(try feed(&deframer, [0, 0, 0]).get().isEmpty)
        #expect(deframer.hasPartialMessage)
    }

    @Test func oversizedMessageIsResourceExhausted() {
        var deframer = GRPCMessageDeframer(maxMessageSize: 10)
        guard case .failure(let status) = feed(&deframer, [0, 0, 0, 0, 11]) else { Issue.record("accepted"); return }
        #expect(status.code == .resourceExhausted)
    }

    @Test func compressedFlagIsUnimplemented() {
        var deframer = GRPCMessageDeframer(maxMessageSize: 10)
        guard case .failure(let status) = feed(&deframer, [1, 0, 0, 0, 1, 9]) else { Issue.record("accepted"); return }
        #expect(status.code == .unimplemented)
    }

    @Test func invalidFlagIsInternal() {
        var deframer = GRPCMessageDeframer(maxMessageSize: 10)
        guard case .failure(let status) = feed(&deframer, [9, 0, 0, 0, 0]) else { Issue.record("accepted"); return }
        #expect(status.code == .internal)
    }
}

@Suite struct GRPCHeaderTests {
    @Test(arguments: [("1S", 1.0), ("250m", 0.25), ("2M", 120.0), ("1H", 3600.0), ("500u", 0.0005), ("99999999n", 0.099999999)])
    func timeoutParses(text: String, seconds: Double) {
        #expect(abs((GRPCTimeout.seconds(text) ?? -1) - seconds) < 1e-9)
    }

    @Test(arguments: ["", "S", "1", "123456789S", "1X", "-1S", "1.5S"])
    func malformedTimeoutIsRejected(text: String) {
        #expect(GRPCTimeout.seconds(text) == nil)
    }

    @Test func messageIsPercentEncoded() {
        #expect(GRPCStatus.percentEncode("ok fine") == "ok fine")
        #expect(GRPCStatus.percentEncode("100%") == "100%25")
        #expect(GRPCStatus.percentEncode("é\n") == "%C3%A9%0A")
    }

    @Test func statusTrailersAlwaysCarryTheCode() {
        #expect(GRPCStatus.ok.trailerFields.map(\.name) == ["grpc-status"])
        #expect(GRPCStatus.ok.trailerFields[0].value == "0")
        let s = GRPCStatus(.unimplemented, "nope")
        #expect(s.trailerFields.map(\.value) == ["12", "nope"])
    }
}
