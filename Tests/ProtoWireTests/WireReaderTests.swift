import ProtoWire
import Testing

@Suite("ProtoReader")
struct WireReaderTests {
    @Test("varints round-trip through the reader", arguments: [
        UInt64(0), 1, 127, 128, 300, 1 << 35, UInt64(UInt32.max), UInt64(Int64.max), .max,
    ])
    func varints(value: UInt64) throws {
        var writer = ProtoWriter()
        writer.writeVarint(value)
        var reader = ProtoReader(writer.bytes)
        #expect(try reader.readVarint() == value)
        #expect(reader.isAtEnd)
    }

    @Test("a 10th varint byte contributes only bit 63; extra bits are dropped")
    func tenthByte() throws {
        var reader = ProtoReader(wire("ff ff ff ff ff ff ff ff ff 7f"))
        #expect(try reader.readVarint() == .max)
    }

    @Test("non-minimal varints are accepted (padding with 0x80)")
    func nonMinimal() throws {
        var reader = ProtoReader(wire("81 80 80 00"))
        #expect(try reader.readVarint() == 1)
    }

    @Test("int32 reads the low 32 bits of a 64-bit varint")
    func int32Truncation() throws {
        var reader = ProtoReader(wire("85 80 80 80 10" + "ff ff ff ff 0f" + "ff ff ff ff ff ff ff ff ff 01"))
        #expect(try reader.readInt32() == 5)          // 0x1_0000_0005
        #expect(try reader.readInt32() == -1)         // 5-byte form from a sloppy encoder
        #expect(try reader.readInt32() == -1)         // proper 10-byte form
    }

    @Test("scalar conversions")
    func scalars() throws {
        var reader = ProtoReader(wire("02" + "03" + "0000803f" + "000000000000f03f" + "feffffff"))
        #expect(try reader.readBool())                       // any non-zero is true
        #expect(try reader.readSInt32() == -2)
        #expect(try reader.readFloat() == 1.0)
        #expect(try reader.readDouble() == 1.0)
        #expect(try reader.readSFixed32() == -2)
    }

    @Test("field keys decode number and wire type")
    func keys() throws {
        var reader = ProtoReader(wire("08 01 11 0000000000000000 1a 00 25 00000000 f8 ff ff ff 0f 00"))
        let expected: [(Int, WireType)] = [(1, .varint), (2, .fixed64), (3, .lengthDelimited), (4, .fixed32),
                                           (536_870_911, .varint)]
        for (number, wireType) in expected {
            let key = try #require(try reader.nextField())
            #expect(key == ProtoFieldKey(number: number, wireType: wireType))
            try reader.skip(key)
        }
        #expect(try reader.nextField() == nil)
    }

    @Test("skip consumes nested groups and leaves the reader on the next field")
    func skipGroups() throws {
        // 1: group { 2: varint, 3: group { 4: "x" }, 5: fixed32 }, then 6: varint 9
        var reader = ProtoReader(wire("0b 10 01 1b 22 01 78 1c 2d 01020304 0c 30 09"))
        let group = try #require(try reader.nextField())
        #expect(group.wireType == .startGroup)
        try reader.skip(group)
        #expect(try reader.nextField() == ProtoFieldKey(number: 6, wireType: .varint))
        #expect(try reader.readUInt32() == 9)
    }

    @Test("length-delimited reads are views, not copies, and respect the window")
    func slices() throws {
        let bytes = wire("0a 03 61 62 63 10 01")
        var reader = ProtoReader(bytes[0..<4])  // window ends inside the string
        _ = try reader.nextField()
        #expect(throws: ProtoDecodingError.lengthPastEnd) { try reader.readLengthDelimited() }

        var full = ProtoReader(bytes[...])
        _ = try full.nextField()
        let slice = try full.readLengthDelimited()
        #expect(slice.startIndex == 2 && slice.endIndex == 5)
    }

    @Test("packed and unpacked repeated encodings both decode")
    func packedAndUnpacked() throws {
        var writer = ProtoWriter()
        writer.writePackedVarints([1, 2, 300], field: 1)
        writer.writeUInt64(4, field: 1, alwaysEmit: true)  // unpacked element of the same field
        writer.writePackedFixed32([7, 8], field: 2)
        writer.writePackedFixed64([9], field: 3)
        var varints: [UInt64] = []
        var fixed32: [UInt32] = []
        var fixed64: [UInt64] = []
        var reader = ProtoReader(writer.bytes)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.readPackedVarints(into: &varints)
            case (1, .varint): varints.append(try reader.readVarint())
            case (2, .lengthDelimited): try reader.readPackedFixed32(into: &fixed32)
            case (3, .lengthDelimited): try reader.readPackedFixed64(into: &fixed64)
            default: try reader.skip(field)
            }
        }
        #expect(varints == [1, 2, 300, 4])
        #expect(fixed32 == [7, 8])
        #expect(fixed64 == [9])

        var ragged = ProtoReader(wire("0a 03 01 02 03"))
        _ = try ragged.nextField()
        var sink: [UInt32] = []
        #expect(throws: ProtoDecodingError.truncated) { try ragged.readPackedFixed32(into: &sink) }
    }

    @Test("strings must be UTF-8, bytes need not be")
    func utf8() throws {
        var reader = ProtoReader(wire("0a 02 c3 28 0a 02 c3 a9"))
        _ = try reader.nextField()
        #expect(throws: ProtoDecodingError.invalidUTF8) { try reader.readString() }
        _ = try reader.nextField()
        #expect(try reader.readString() == "é")

        var bytesReader = ProtoReader(wire("0a 02 c3 28"))
        _ = try bytesReader.nextField()
        #expect(try bytesReader.readBytes() == [0xC3, 0x28])
    }
}
