import HTTPHeaderText
import Testing

/// `HeaderText.bytes` (ext_proc's raw header values) is `value`'s UTF-8, byte for byte.
struct HeaderTextBytesTests {
    @Test func bytesAreTheValuesUTF8ForEveryByte() {
        for b in 0...255 {
            let raw = String(decoding: [UInt8(ascii: "a"), UInt8(b), UInt8(ascii: "z")], as: UTF8.self)
            #expect(HeaderText.bytes(raw) == Array(HeaderText.value(raw).utf8), "byte \(b)")
        }
        let all = String(decoding: (0...255).map(UInt8.init), as: UTF8.self)
        #expect(HeaderText.bytes(all) == Array(HeaderText.value(all).utf8))
        #expect(HeaderText.bytes("x\r\nSet-Cookie: a=1") == Array("x%0D%0ASet-Cookie: a=1".utf8))
        #expect(HeaderText.bytes("") == [])
    }
}
