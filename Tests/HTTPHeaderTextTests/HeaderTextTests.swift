import HTTPHeaderText
import Testing

/// Header values built from untrusted text never carry a byte outside visible ASCII and space:
/// the property that makes response splitting (CR/LF in a value) impossible.
struct HeaderTextTests {
    static func isVisibleASCII(_ s: String) -> Bool { s.utf8.allSatisfy { $0 == 0x20 || (0x21...0x7E).contains($0) } }

    @Test func everyByteAloneAndInContext() {
        for b in 0...255 {
            let raw = String(decoding: [UInt8(ascii: "a"), UInt8(b), UInt8(ascii: "z")], as: UTF8.self)
            for out in [HeaderText.value(raw), HeaderText.quoted(raw)] {
                #expect(Self.isVisibleASCII(out), "byte \(b) -> \(out)")
                #expect(!out.utf8.contains(13) && !out.utf8.contains(10))
            }
        }
    }

    @Test func everyByteOfEveryString() {
        // All 256 byte values in one string, including invalid UTF-8 sequences (decoded to U+FFFD, then escaped).
        let bytes = (0...255).map(UInt8.init)
        let raw = String(decoding: bytes, as: UTF8.self)
        #expect(Self.isVisibleASCII(HeaderText.value(raw)))
        #expect(Self.isVisibleASCII(HeaderText.quoted(raw)))
    }

    @Test func visibleASCIIAndSpacePassUnchanged() {
        let printable = String(decoding: (0x20...0x7E).map(UInt8.init), as: UTF8.self)
        #expect(HeaderText.value(printable) == printable)
        #expect(HeaderText.value("120") == "120")
        #expect(HeaderText.value("http://127.0.0.1:8080/.well-known/oauth-protected-resource") == "http://127.0.0.1:8080/.well-known/oauth-protected-resource")
    }

    @Test func controlsAndNonASCIIAreEscaped() {
        #expect(HeaderText.value("x\r\nX-Injected: yes") == "x%0D%0AX-Injected: yes")
        #expect(HeaderText.value("a\u{0}b\tc\u{7F}") == "a%00b%09c%7F")
        #expect(HeaderText.value("é") == "%C3%A9")
    }

    @Test func quotedStringsCannotBeClosedEarly() {
        #expect(HeaderText.quoted("plain text") == "\"plain text\"")
        #expect(HeaderText.quoted("a\"b\\c") == "\"a%22b%5Cc\"")
        // Inside the quotes nothing can end the string: no quote, no backslash remains.
        let out = HeaderText.quoted("\", error=\"forged\\")
        #expect(out.dropFirst().dropLast().utf8.allSatisfy { $0 != 0x22 && $0 != 0x5C })
    }
}
