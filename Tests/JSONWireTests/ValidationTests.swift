import Testing
@testable import JSONWire

/// One document the scanner must reject, with the error it must report.
struct InvalidCase: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let kind: JSONError.Kind
    let offset: Int
    init(_ text: String, _ kind: JSONError.Kind, _ offset: Int) {
        self.init(bytes: utf8(text), kind, offset)
    }
    init(bytes: [UInt8], _ kind: JSONError.Kind, _ offset: Int) {
        self.bytes = bytes
        self.kind = kind
        self.offset = offset
    }
    var testDescription: String { String(decoding: bytes, as: UTF8.self).debugDescription }
}

/// Documents from RFC 8259 (§13) and JSONTestSuite-style `y_` cases, written out here.
let validDocuments: [String] = [
    // RFC 8259 §13
    """
    {
      "Image": {
          "Width":  800,
          "Height": 600,
          "Title":  "View from 15th Floor",
          "Thumbnail": {
              "Url":    "http://www.example.com/image/481989943",
              "Height": 125,
              "Width":  100
          },
          "Animated" : false,
          "IDs": [116, 943, 234, 38793]
        }
    }
    """,
    """
    [
      {
         "precision": "zip",
         "Latitude":  37.7668,
         "Longitude": -122.3959,
         "Address":   "",
         "City":      "SAN FRANCISCO",
         "State":     "CA",
         "Zip":       "94107",
         "Country":   "US"
      },
      {
         "precision": "zip",
         "Latitude":  37.371991,
         "Longitude": -122.026020,
         "Address":   "",
         "City":      "SUNNYVALE",
         "State":     "CA",
         "Zip":       "94085",
         "Country":   "US"
      }
    ]
    """,
    "\"Hello world!\"", "42", "true", "false", "null",
    // Numbers
    "0", "-0", "[-0]", "[-0.0]", "-1.5e-3", "[1E22]", "[1E-2]", "[1e+2]", "1E+2", "1e400", "-1e-400",
    "123456789012345678901234567890", "[0.000001]", "[1.0e0]", "[-123]",
    // Strings
    "\"\"", "[\"\\u0022\"]", "[\"\\uFFFF\"]", "[\"\\uD801\\udc37\"]", "[\"\\uD834\\uDD1E\"]", "[\"\\u0000\"]",
    "[\"a/*b*/c/*d//e\"]", "\"\\/\\\\\\\"\\b\\f\\n\\r\\t\"", "\"é日本🎉\"", "\"\u{7F}\"", "\"\u{2028}\u{2029}\"",
    "\"\u{FFFF}\"", "\"\u{10FFFF}\"", "\"\\u00e9\\u00E9\"", "\"0123456789abcdef0123456789\\\"\"",
    // Structure
    "{}", "[]", " [] ", "{\"\":0}", "{\"a\":1,\"a\":2}", "[[[[]]]]", "[{}, [], {\"a\": [{}]}]",
    " \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r] \t\n\r, \"b\":null} \t\n\r",
    "[1,true,false,null,\"x\",{\"y\":[]}]",
]

let invalidDocuments: [InvalidCase] = [
    InvalidCase("", .unexpectedEnd, 0),
    InvalidCase(" \n ", .unexpectedEnd, 3),
    InvalidCase("[1,]", .unexpectedByte(UInt8(ascii: "]")), 3),
    InvalidCase("{\"a\" 1}", .unexpectedByte(UInt8(ascii: "1")), 5),
    InvalidCase("[1 true]", .unexpectedByte(UInt8(ascii: "t")), 3),
    InvalidCase("[\"\",]", .unexpectedByte(UInt8(ascii: "]")), 4),
    InvalidCase("[\"x\"", .unexpectedEnd, 4),
    InvalidCase("[,1]", .unexpectedByte(UInt8(ascii: ",")), 1),
    InvalidCase("]", .unexpectedByte(UInt8(ascii: "]")), 0),
    InvalidCase("[", .unexpectedEnd, 1),
    InvalidCase("{", .unexpectedEnd, 1),
    InvalidCase("[1,2", .unexpectedEnd, 4),
    InvalidCase("{\"id\":0,}", .unexpectedByte(UInt8(ascii: "}")), 8),
    InvalidCase("{'a':0}", .unexpectedByte(UInt8(ascii: "'")), 1),
    InvalidCase("{a: \"b\"}", .unexpectedByte(UInt8(ascii: "a")), 1),
    InvalidCase("{1:2}", .unexpectedByte(UInt8(ascii: "1")), 1),
    InvalidCase("{\"a\"}", .unexpectedByte(UInt8(ascii: "}")), 4),
    InvalidCase("{\"a\":}", .unexpectedByte(UInt8(ascii: "}")), 5),
    InvalidCase("{\"a\":1 \"b\":2}", .unexpectedByte(UInt8(ascii: "\"")), 7),
    InvalidCase("{\"a\":\"a\" 123}", .unexpectedByte(UInt8(ascii: "1")), 9),
    InvalidCase("{\"a\":1]", .unexpectedByte(UInt8(ascii: "]")), 6),
    InvalidCase("[1}", .unexpectedByte(UInt8(ascii: "}")), 2),
    InvalidCase("['single quote']", .unexpectedByte(UInt8(ascii: "'")), 1),
    InvalidCase("/* c */ 1", .unexpectedByte(UInt8(ascii: "/")), 0),
    InvalidCase("\u{FEFF}1", .unexpectedByte(0xEF), 0),
    InvalidCase("[\u{0}]", .unexpectedByte(0), 1),
    InvalidCase("\u{C}1", .unexpectedByte(0x0C), 0),
    // Literals
    InvalidCase("tru", .unexpectedEnd, 3),
    InvalidCase("trux", .unexpectedByte(UInt8(ascii: "x")), 3),
    InvalidCase("True", .unexpectedByte(UInt8(ascii: "T")), 0),
    InvalidCase("nulll", .trailingGarbage, 4),
    InvalidCase("[Infinity]", .unexpectedByte(UInt8(ascii: "I")), 1),
    InvalidCase("[NaN]", .unexpectedByte(UInt8(ascii: "N")), 1),
    // Numbers
    InvalidCase("[+1]", .unexpectedByte(UInt8(ascii: "+")), 1),
    InvalidCase("[.1]", .unexpectedByte(UInt8(ascii: ".")), 1),
    InvalidCase("[1.]", .invalidNumber, 3),
    InvalidCase("[01]", .invalidNumber, 2),
    InvalidCase("[-01]", .invalidNumber, 3),
    InvalidCase("[-]", .invalidNumber, 2),
    InvalidCase("[-a]", .invalidNumber, 2),
    InvalidCase("[1e]", .invalidNumber, 3),
    InvalidCase("[1e+]", .invalidNumber, 4),
    InvalidCase("[1.2.3]", .invalidNumber, 4),
    InvalidCase("[1e5e5]", .invalidNumber, 4),
    InvalidCase("[0x1]", .unexpectedByte(UInt8(ascii: "x")), 2),
    InvalidCase("-", .unexpectedEnd, 1),
    InvalidCase("1.", .unexpectedEnd, 2),
    InvalidCase("1e", .unexpectedEnd, 2),
    InvalidCase("1 2", .trailingGarbage, 2),
    InvalidCase("12a", .trailingGarbage, 2),
    // Strings
    InvalidCase("\"abc", .unexpectedEnd, 4),
    InvalidCase("\"\\", .unexpectedEnd, 2),
    InvalidCase("[\"\\x00\"]", .invalidEscape, 2),
    InvalidCase("[\"\\'\"]", .invalidEscape, 2),
    InvalidCase("[\"a\tb\"]", .controlCharacterInString, 3),
    InvalidCase("\"line\nbreak\"", .controlCharacterInString, 5),
    InvalidCase("\"\\u12\"", .invalidEscape, 1),
    InvalidCase("\"\\u00G0\"", .invalidEscape, 1),
    InvalidCase("\"\\u00", .unexpectedEnd, 5),
    InvalidCase("\"\\U0041\"", .invalidEscape, 1),
    // Lone surrogates are rejected, not replaced.
    InvalidCase("\"\\ud800\"", .invalidEscape, 1),
    InvalidCase("\"\\udc00\"", .invalidEscape, 1),
    InvalidCase("\"\\ud800\\u0041\"", .invalidEscape, 1),
    InvalidCase("\"\\ud800\\ud800\"", .invalidEscape, 1),
    InvalidCase("\"\\ud800abcdef\"", .invalidEscape, 1),
    InvalidCase("\"\\ud800\\n\"", .invalidEscape, 1),
    InvalidCase("\"\\uDBFF\\uDC0G\"", .invalidEscape, 7),
    // Errors after a long plain run (the word-at-a-time path) are located exactly.
    InvalidCase("\"" + String(repeating: "a", count: 21) + "\u{1}\"", .controlCharacterInString, 22),
    InvalidCase("\"" + String(repeating: "a", count: 16) + "\\q\"", .invalidEscape, 17),
    // Invalid UTF-8.
    InvalidCase(bytes: [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xC1, 0xBF, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xFF, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xFE, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0x80, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0x61, 0xBF, 0x22], .invalidUTF8, 2),
    InvalidCase(bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0xE2, 0x82, 0x22], .invalidUTF8, 1),
    InvalidCase(bytes: [0x22, 0x61, 0xC3, 0x22], .invalidUTF8, 2),
    InvalidCase(bytes: [0x22, 0xC3, 0xA9, 0xE2, 0x28, 0xA1, 0x22], .invalidUTF8, 3),
    InvalidCase(bytes: [0x22, 0xE2, 0x82], .unexpectedEnd, 3),
    InvalidCase(bytes: [0xFF], .unexpectedByte(0xFF), 0),
    InvalidCase(bytes: [0x5B, 0xC3, 0xA9, 0x5D], .unexpectedByte(0xC3), 1),
    InvalidCase(bytes: utf8("\"" + String(repeating: "x", count: 20)) + [0xC0, 0x22], .invalidUTF8, 21),
]

@Suite struct ValidationTests {
    @Test(arguments: validDocuments)
    func acceptsValidDocument(_ text: String) throws {
        let bytes = utf8(text)
        let scanner = try JSONScanner(bytes)
        // The root range excludes surrounding whitespace.
        let trimmed = text.utf8.drop(while: { " \t\n\r".utf8.contains($0) })
        #expect(scanner.root.lowerBound == bytes.count - trimmed.count)
        #expect(!" \t\n\r".utf8.contains(bytes[scanner.root.upperBound - 1]))
        #expect(parseError(bytes) == nil)
    }

    @Test(arguments: invalidDocuments)
    func rejectsInvalidDocument(_ invalid: InvalidCase) {
        let expected = JSONError(invalid.kind, at: invalid.offset)
        #expect(scanError(invalid.bytes) == expected)
        #expect(parseError(invalid.bytes) == expected)
        // The raw-memory entry point agrees.
        let viaBuffer = invalid.bytes.withUnsafeBytes { buffer -> JSONError? in
            do throws(JSONError) { _ = try JSONScanner.validate(buffer); return nil } catch { return error }
        }
        #expect(viaBuffer == expected)
    }

    @Test func errorDescriptionNamesByteAndOffset() {
        let error = scanError(utf8("{\"a\":1,\"b\":2,\"c\":}"))
        #expect(error?.description == "Parse error at byte 17: unexpected byte '}' (0x7D)")
        #expect(JSONError(.unexpectedByte(0x0A), at: 3).description == "Parse error at byte 3: unexpected byte 0x0A")
        #expect(JSONError(.invalidUTF8, at: 0).message == "invalid UTF-8 in string")
    }

    @Test func emptyBufferWithoutBaseAddress() {
        let buffer = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: JSONError(.unexpectedEnd, at: 0)) { try JSONScanner.validate(buffer) }
        #expect(throws: JSONError(.unexpectedEnd, at: 0)) { try JSONValue(parsing: buffer) }
    }

    @Test func validatesSliceOfLargerBuffer() throws {
        let storage = utf8("xx[1, {\"a\": 2}] yy")
        let slice = storage[2..<16]
        let scanner = try JSONScanner(slice)
        #expect(scanner.root == 2..<15)
        // Error offsets are relative to the document, not to the enclosing array.
        #expect(throws: JSONError(.trailingGarbage, at: 14)) { try JSONScanner(storage[2...]) }
    }
}

@Suite struct DepthLimitTests {
    @Test func hundredThousandOpenBracketsHitTheLimitWithoutCrashing() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(scanError(bytes) == JSONError(.depthLimitExceeded, at: 128))
        #expect(parseError(bytes) == JSONError(.depthLimitExceeded, at: 128))
        let objects = utf8(String(repeating: "{\"a\":", count: 100_000))
        #expect(scanError(objects) == JSONError(.depthLimitExceeded, at: 128 * 5))
        #expect(parseError(objects) == JSONError(.depthLimitExceeded, at: 128 * 5))
    }

    @Test func limitIsInclusive() {
        let atLimit = utf8(String(repeating: "[", count: 128) + String(repeating: "]", count: 128))
        #expect(scanError(atLimit) == nil)
        #expect(parseError(atLimit) == nil)
        let over = utf8(String(repeating: "[", count: 129) + String(repeating: "]", count: 129))
        #expect(scanError(over) == JSONError(.depthLimitExceeded, at: 128))
        #expect(parseError(over) == JSONError(.depthLimitExceeded, at: 128))
    }

    @Test func limitIsConfigurable() {
        #expect(scanError(utf8("[[1]]"), maxDepth: 2) == nil)
        #expect(scanError(utf8("[[[1]]]"), maxDepth: 2) == JSONError(.depthLimitExceeded, at: 2))
        #expect(parseError(utf8("[[[1]]]"), maxDepth: 2) == JSONError(.depthLimitExceeded, at: 2))
        #expect(scanError(utf8("7"), maxDepth: 0) == nil)
        #expect(scanError(utf8("[]"), maxDepth: 0) == JSONError(.depthLimitExceeded, at: 0))
    }

    /// With a raised limit the validator needs only heap, not stack: 100,000 levels of
    /// alternating objects and arrays (which exercises the spilled part of the container stack).
    @Test func deepNestingWithRaisedLimitIsValidatedIteratively() throws {
        let levels = 100_000
        var text = ""
        for level in 0..<levels { text += level % 3 == 0 ? "{\"k\":" : "[" }
        text += "0"
        for level in (0..<levels).reversed() { text += level % 3 == 0 ? "}" : "]" }
        let scanner = try JSONScanner(utf8(text), maxDepth: 1_000_000)
        #expect(scanner.root == 0..<text.utf8.count)

        // Swapping one closer for the other kind, 500 levels from the innermost, is reported
        // exactly there.
        var broken = utf8(text)
        let index = broken.count - levels + 500
        broken[index] = broken[index] == UInt8(ascii: "]") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        #expect(scanError(broken, maxDepth: 1_000_000)?.offset == index)
    }
}
