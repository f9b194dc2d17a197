import Testing
@testable import JSONWire

@Suite struct StringDecodingTests {
    @Test(arguments: [
        ("\"\"", ""),
        ("\"plain ascii\"", "plain ascii"),
        ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\u{8}\u{C}\n\r\t"),
        ("\"\\u0041\\u00e9\\u00E9\\u65e5\"", "Aéé日"),
        ("\"\\uD83D\\uDE00\"", "😀"),
        ("\"\\ud834\\udd1e!\"", "𝄞!"),
        ("\"\\u0000\"", "\u{0}"),
        ("\"\\uFFFF\"", "\u{FFFF}"),
        ("\"\\uDBFF\\uDFFF\"", "\u{10FFFF}"),
        ("\"é日本🎉\"", "é日本🎉"),
        ("\"0123456789abcdef\\n0123456789abcdef\\u0041\"", "0123456789abcdef\n0123456789abcdefA"),
        ("\"\\\\u0041\"", "\\u0041"),
    ])
    func decodes(_ json: String, _ expected: String) throws {
        let scanner = try JSONScanner(json)
        #expect(scanner.string(at: scanner.root) == expected)
        #expect(scanner.string(at: scanner.root, equals: expected))
        #expect(try JSONValue(parsing: json) == .string(expected))
    }

    @Test func escapedKeyComparesEqualWithoutDecoding() throws {
        let scanner = try JSONScanner("{\"calc\\u0075lus_add\": 1, \"plain\": 2}")
        let members = Array(scanner.members(of: scanner.root)!)
        #expect(members.count == 2)
        #expect(members[0].keyHasEscapes)
        #expect(!members[1].keyHasEscapes)
        #expect(scanner.key(of: members[0], equals: "calculus_add"))
        #expect(!scanner.key(of: members[0], equals: "calculus_ad"))
        #expect(!scanner.key(of: members[0], equals: "calculus_addd"))
        #expect(!scanner.key(of: members[0], equals: "calc\\u0075lus_add"))
        #expect(scanner.key(of: members[0]) == "calculus_add")
        #expect(scanner.key(of: members[1], equals: "plain"))
        #expect(!scanner.key(of: members[1], equals: "plaim"))
        #expect(scanner.lastMember(named: "calculus_add", in: scanner.root).map { scanner.bytes[$0] } == [UInt8(ascii: "1")])
    }

    @Test(arguments: [
        ("\"a\\\\b\"", "a\\b", true),
        ("\"a\\\\b\"", "a\\\\b", false),
        ("\"\\uD83D\\uDE00\"", "😀", true),
        ("\"\\uD83D\\uDE00\"", "😁", false),
        ("\"x\\n\"", "x\n", true),
        ("\"x\\n\"", "x", false),
        ("\"x\\n\"", "x\ny", false),
        ("\"\\u00e9t\\u00e9\"", "été", true),
        ("\"été\"", "été", true),
        ("\"été\"", "ete", false),
        ("\"\"", "", true),
        ("\"\"", "a", false),
        ("\"long enough to take the word path\\t!\"", "long enough to take the word path\t!", true),
        ("\"long enough to take the word path\\t!\"", "long enough to take the word path\t?", false),
        ("42", "42", false),
        ("null", "null", false),
    ])
    func stringEquality(_ json: String, _ candidate: String, _ equal: Bool) throws {
        let scanner = try JSONScanner(json)
        #expect(scanner.string(at: scanner.root, equals: candidate) == equal)
    }

    @Test func stringAccessorsRequireExactlyOneToken() throws {
        let scanner = try JSONScanner("[\"ab\", 1]")
        let first = scanner.arrayElements(of: scanner.root)![0]
        #expect(first == 1..<5)
        #expect(scanner.string(at: first) == "ab")
        #expect(scanner.string(at: 1..<4) == nil)       // `"ab` - unterminated within the range
        #expect(scanner.string(at: 2..<5) == nil)       // `ab"` - not a token
        #expect(scanner.string(at: scanner.root) == nil) // an array
        #expect(scanner.string(at: 0..<100) == nil)     // out of bounds
        #expect(!scanner.string(at: 1..<4, equals: "ab"))
    }
}
