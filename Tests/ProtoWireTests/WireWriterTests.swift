import ProtoWire
import Testing

@Suite("ProtoWriter")
struct WireWriterTests {
    private func varint(_ value: UInt64) -> [UInt8] {
        var writer = ProtoWriter()
        writer.writeVarint(value)
        return writer.bytes
    }

    @Test("varints", arguments: [
        (UInt64(0), "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (16_384, "808001"),
        (UInt64(UInt32.max), "ffffffff0f"), (UInt64.max, "ffffffffffffffffff01"),
    ])
    func varints(value: UInt64, hex: String) {
        #expect(varint(value) == Hex.decode(hex))
        #expect(ProtoWriter.varintSize(value) == hex.count / 2)
    }

    @Test("zigzag", arguments: [(Int64(0), UInt64(0)), (-1, 1), (1, 2), (-2, 3), (.max, .max - 1), (.min, .max)])
    func zigzag(value: Int64, encoded: UInt64) {
        #expect(ZigZag.encode(value) == encoded)
        #expect(ZigZag.decode(encoded) == value)
        if let small = Int32(exactly: value), let smallEncoded = UInt32(exactly: encoded) {
            #expect(ZigZag.encode(small) == smallEncoded)
            #expect(ZigZag.decode(smallEncoded) == small)
        }
        #expect(ZigZag.encode(Int32.min) == UInt32.max)
    }

    @Test("fixed-width values are little-endian")
    func fixedWidth() {
        var writer = ProtoWriter()
        writer.writeFixed32(0x0403_0201)
        writer.writeFixed64(0x0807_0605_0403_0201)
        writer.writeDouble(1.0, field: 2)
        writer.writeFloat(1.0, field: 3)
        #expect(Hex.encode(writer.bytes) == "01020304" + "0102030405060708" + "11000000000000f03f" + "1d0000803f")
    }

    @Test("implicit-presence scalars are omitted at their default unless alwaysEmit")
    func defaultsOmitted() {
        var writer = ProtoWriter()
        writer.writeBool(false, field: 1)
        writer.writeInt32(0, field: 2)
        writer.writeInt64(0, field: 3)
        writer.writeUInt32(0, field: 4)
        writer.writeUInt64(0, field: 5)
        writer.writeSInt32(0, field: 6)
        writer.writeSInt64(0, field: 7)
        writer.writeEnum(0, field: 8)
        writer.writeDouble(0, field: 9)
        writer.writeFloat(0, field: 10)
        writer.writeString("", field: 11)
        writer.writeBytes([], field: 12)
        writer.writeFixed32(0, field: 13)
        writer.writeFixed64(0, field: 14)
        #expect(writer.bytes.isEmpty)

        writer.writeBool(false, field: 4, alwaysEmit: true)
        writer.writeString("", field: 3, alwaysEmit: true)
        writer.writeEnum(0, field: 1, alwaysEmit: true)
        writer.writeDouble(-0.0, field: 2)  // -0.0 is not the default bit pattern
        #expect(Hex.encode(writer.bytes) == "2000" + "1a00" + "0800" + "110000000000000080")
    }

    @Test("negative int32 is sign-extended to 10 bytes; sint32 is short")
    func negativeInt32() {
        var writer = ProtoWriter()
        writer.writeInt32(-1, field: 1)
        writer.writeSInt32(-1, field: 2)
        writer.writeInt64(-2, field: 3)
        #expect(Hex.encode(writer.bytes) == "08ffffffffffffffffff01" + "1001" + "18feffffffffffffffff01")
    }

    @Test("length prefixes wider than one byte are fixed up in place", arguments: [0, 1, 127, 128, 300, 16_383, 16_384, 70_000])
    func lengthDelimited(size: Int) throws {
        var writer = ProtoWriter()
        writer.writeUInt32(7, field: 1)
        writer.writeLengthDelimited(field: 2) { inner in
            inner.writeRaw(repeatElement(0xAB, count: size))
        }
        writer.writeUInt32(9, field: 3)

        var reader = ProtoReader(writer.bytes)
        #expect(try reader.nextField() == ProtoFieldKey(number: 1, wireType: .varint))
        #expect(try reader.readUInt32() == 7)
        #expect(try reader.nextField() == ProtoFieldKey(number: 2, wireType: .lengthDelimited))
        let payload = try reader.readLengthDelimited()
        #expect(payload.count == size && payload.allSatisfy { $0 == 0xAB })
        #expect(try reader.nextField() == ProtoFieldKey(number: 3, wireType: .varint))
        #expect(try reader.readUInt32() == 9)
        #expect(try reader.nextField() == nil)
        #expect(writer.bytes.count == 2 + 1 + ProtoWriter.varintSize(UInt64(size)) + size + 2)
    }

    @Test("nested messages widen their own and their parents' prefixes")
    func nestedWidening() throws {
        let body = [UInt8](repeating: 0x41, count: 200)
        var writer = ProtoWriter()
        writer.writeLengthDelimited(field: 1) { outer in
            outer.writeLengthDelimited(field: 2) { inner in
                inner.writeBytes(body, field: 3)
            }
        }
        #expect(Array(writer.bytes.prefix(9)) == wire("0a ce 01 12 cb 01 1a c8 01"))
        #expect(writer.bytes.count == 9 + 200)
    }

    @Test("maps are written in byte-wise key order with key and value always present")
    func mapOrder() {
        var writer = ProtoWriter()
        writer.writeStringMap(["b": "x", "": "", "ab": "", "a": "y", "é": "z", "B": "w"], field: 1)
        let keys = decodeStringMapKeys(writer.bytes)
        #expect(keys == ["", "B", "a", "ab", "b", "é"])
        var single = ProtoWriter()
        single.writeStringMap(["": ""], field: 3)
        #expect(Hex.encode(single.bytes) == "1a040a001200")
    }

    private func decodeStringMapKeys(_ bytes: [UInt8]) -> [String] {
        var reader = ProtoReader(bytes)
        var keys: [String] = []
        while let field = try? reader.nextField() {
            guard let entry = try? reader.readStringMapEntry(depth: 0) else { break }
            _ = field
            keys.append(entry.key)
        }
        return keys
    }

    @Test("packed repeated: one key, concatenated payload; empty writes nothing")
    func packed() throws {
        var writer = ProtoWriter()
        writer.writePackedVarints([1, 300, 0], field: 4)
        writer.writePackedInt32([-1, 2], field: 5)
        writer.writePackedFixed32([1], field: 6)
        writer.writePackedDouble([1.0], field: 7)
        writer.writePackedVarints([], field: 8)
        #expect(Hex.encode(writer.bytes) ==
            "2204" + "01ac0200" + "2a0b" + "ffffffffffffffffff01" + "02" + "3204" + "01000000" + "3a08" + "000000000000f03f")
    }

    @Test("repeated strings keep empty elements")
    func repeatedStrings() {
        var writer = ProtoWriter()
        writer.writeRepeatedString(["a", ""], field: 2)
        #expect(Hex.encode(writer.bytes) == "1201611200")
    }
}
