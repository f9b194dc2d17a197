import ProtoWire
import Testing

@Suite("Well-known types")
struct WellKnownTypeTests {
    @Test("Value oneof members are written even at their default")
    func valueDefaults() {
        #expect(ProtoValue.null.serializedBytes() == wire("08 00"))
        #expect(ProtoValue.bool(false).serializedBytes() == wire("20 00"))
        #expect(ProtoValue.string("").serializedBytes() == wire("1a 00"))
        #expect(ProtoValue.number(0).serializedBytes() == wire("11 00 00 00 00 00 00 00 00"))
        #expect(ProtoValue.list([]).serializedBytes() == wire("32 00"))
        #expect(ProtoValue.struct([:]).serializedBytes() == wire("2a 00"))
    }

    @Test("a Value with no kind decodes as null; the last member on the wire wins")
    func valueDecoding() throws {
        #expect(try ProtoValue(serializedBytes: []) == .null)
        #expect(try ProtoValue(serializedBytes: wire("20 01 1a 01 78")) == .string("x"))
        // struct_value twice merges
        #expect(try ProtoValue(serializedBytes: wire("2a 07 0a 05 0a 01 61 12 00" + "2a 09 0a 07 0a 01 62 12 02 20 01"))
            == ["a": nil, "b": true])
        // list_value twice appends
        #expect(try ProtoValue(serializedBytes: wire("32 02 0a 00 32 04 0a 02 20 00")) == [nil, false])
    }

    @Test("Struct map: duplicate key last wins, missing value is null")
    func structMap() throws {
        let bytes = wire("0a 08 0a 01 6b 12 03 1a 01 31" + "0a 08 0a 01 6b 12 03 1a 01 32" + "0a 03 0a 01 6d")
        #expect(try ProtoStruct(serializedBytes: bytes) == ["k": "2", "m": nil])
    }

    @Test("Duration conversions")
    func duration() {
        #expect(ProtoDuration(milliseconds: 1500) == ProtoDuration(seconds: 1, nanos: 500_000_000))
        #expect(ProtoDuration(milliseconds: -1500) == ProtoDuration(seconds: -1, nanos: -500_000_000))
        #expect(ProtoDuration(.milliseconds(2500)) == ProtoDuration(seconds: 2, nanos: 500_000_000))
        #expect(ProtoDuration(.milliseconds(-1500)) == ProtoDuration(seconds: -1, nanos: -500_000_000))
        #expect(ProtoDuration(seconds: 1, nanos: 500_000_000).duration == .milliseconds(1500))
        #expect(ProtoDuration(milliseconds: 1500).serializedBytes() == wire("08 01 10 80 ca b5 ee 01"))
    }

    @Test("Any packs and unpacks")
    func any() throws {
        let packed = ProtoAny(packing: ProtoDuration(seconds: 5), fullName: "google.protobuf.Duration")
        #expect(packed.fullName == "google.protobuf.Duration")
        #expect(try packed.unpack(ProtoDuration.self) == ProtoDuration(seconds: 5))
    }

    @Test("wrapper helpers map nil to absent and false to present-empty")
    func wrappers() throws {
        var writer = ProtoWriter()
        writer.writeBoolValue(nil, field: 1)
        writer.writeBoolValue(false, field: 2)
        writer.writeBoolValue(true, field: 3)
        writer.writeUInt32Value(7, field: 4)
        writer.writeUInt64Value(0, field: 5)
        writer.writeStringValue("s", field: 6)
        #expect(writer.bytes == wire("12 00 1a 02 08 01 22 02 08 07 2a 00 32 03 0a 01 73"))

        var reader = ProtoReader(writer.bytes)
        _ = try reader.nextField()
        #expect(try reader.readBoolValue(merging: nil, depth: 0) == false)
        _ = try reader.nextField()
        #expect(try reader.readBoolValue(merging: nil, depth: 0) == true)
        _ = try reader.nextField()
        #expect(try reader.readUInt32Value(merging: nil, depth: 0) == 7)
        _ = try reader.nextField()
        #expect(try reader.readUInt64Value(merging: 9, depth: 0) == 9)   // empty wrapper merges: keeps 9
        _ = try reader.nextField()
        #expect(try reader.readStringValue(merging: nil, depth: 0) == "s")
    }
}
