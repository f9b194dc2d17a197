import Testing
@testable import JSONWire

/// Randomised agreement tests with fixed seeds: mutated valid documents must be accepted or
/// rejected identically (same error, same offset) by `JSONScanner` and `JSONValue` parsing,
/// accepted documents must navigate to the same tree through the scanner's trusted path and
/// survive write→parse, and arbitrary ranges must never crash the scanner.
@Suite struct FuzzTests {
    static let seeds: [String] = validDocuments + [
        #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"calculus_add","arguments":{"a":1,"b":[2.5e3,-0,"x\"y"]}}}"#,
        #"[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":null,"result":{}}]"#,
        #"{"s":"\u00e9\ud83d\ude00\n\t\\\/","k\u0065y":[true,false,null],"":{}}"#,
        "\"0123456789abcdef0123456789abcdef\\u0041é日本🎉0123456789abcdef\"",
    ]

    /// Bytes that matter to the grammar, plus UTF-8 edge bytes.
    static let interesting: [UInt8] = Array("{}[]\",:\\0129-+.eEtfnulra \t\n\r/bx".utf8)
        + [0x00, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]

    static let snippets: [[UInt8]] = [
        "{\"a\":[1,\"x\"]}", "\\ud83d\\ude00", "\\ud800", "\\u00", "\\u00e9", ",", ":", "[", "]", "{", "}",
        "\"", "1e400", "-0.0", "true", "null", "é", "\\\"", "  ",
    ].map { Array($0.utf8) }

    @Test func mutatedDocumentsAgree() {
        var rng = SplitMix64(seed: 0x4A53_4F4E_5769_7265)
        let deadline = ContinuousClock.now + .seconds(3)
        var corpus = Self.seeds.map { Array($0.utf8) }
        for _ in 0..<200 { corpus.append(randomValue(depth: 0, using: &rng).serializedBytes()) }

        var valid = 0
        var invalid = 0
        var failures = 0
        var iteration = 0
        while ContinuousClock.now < deadline, failures < 5 {
            iteration += 1
            var document = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) { mutate(&document, using: &rng) }

            let scanned = Result<JSONScanner, JSONError> { () throws(JSONError) in try JSONScanner(document) }
            let parsed = Result<JSONValue, JSONError> { () throws(JSONError) in try JSONValue(parsing: document) }
            switch (scanned, parsed) {
            case let (.success(scanner), .success(value)):
                valid += 1
                if treeViaScanner(scanner, scanner.root) != value {
                    failures += 1
                    Issue.record("scanner navigation disagrees with parser on \(describe(document))")
                }
                let written = value.serializedBytes()
                if (try? JSONValue(parsing: written)) != value {
                    failures += 1
                    Issue.record("write→parse changed \(describe(document))")
                }
                probeRandomRanges(scanner, using: &rng)
                // Valid mutants become seeds too, so mutations compound.
                if corpus.count < 2_000, document.count < 4_096 { corpus.append(document) }
            case let (.failure(scanError), .failure(parseError)):
                invalid += 1
                if scanError != parseError || scanError.offset > document.count {
                    failures += 1
                    Issue.record("errors differ: \(scanError) vs \(parseError) on \(describe(document))")
                }
            default:
                failures += 1
                Issue.record("scanner and parser disagree on validity of \(describe(document))")
            }
        }
        #expect(failures == 0)
        #expect(iteration > 1_000)
        #expect(valid > 100)
        #expect(invalid > 100)
    }

    /// Generated trees always serialise to documents both readers accept and reproduce.
    @Test func generatedValuesRoundTrip() throws {
        var rng = SplitMix64(seed: 2026)
        for _ in 0..<2_000 {
            let value = randomValue(depth: 0, using: &rng)
            let bytes = value.serializedBytes()
            let scanner = try JSONScanner(bytes)
            #expect(try JSONValue(parsing: bytes) == value)
            #expect(treeViaScanner(scanner, scanner.root) == value)
        }
    }

    // MARK: - Helpers

    private func mutate(_ document: inout [UInt8], using rng: inout SplitMix64) {
        let count = document.count
        switch Int.random(in: 0..<8, using: &rng) {
        case 0 where count > 0:
            document[Int.random(in: 0..<count, using: &rng)] = Self.interesting.randomElement(using: &rng)!
        case 1:
            document.insert(Self.interesting.randomElement(using: &rng)!, at: Int.random(in: 0...count, using: &rng))
        case 2 where count > 0:
            let start = Int.random(in: 0..<count, using: &rng)
            document.removeSubrange(start..<min(count, start + Int.random(in: 1...3, using: &rng)))
        case 3 where count > 0:
            let start = Int.random(in: 0..<count, using: &rng)
            let end = min(count, start + Int.random(in: 1...16, using: &rng))
            document.insert(contentsOf: Array(document[start..<end]), at: Int.random(in: 0...count, using: &rng))
        case 4 where count > 0:
            document.removeSubrange(Int.random(in: 0..<count, using: &rng)...)
        case 5 where count > 1:
            document.swapAt(Int.random(in: 0..<count, using: &rng), Int.random(in: 0..<count, using: &rng))
        case 6:
            document.insert(contentsOf: Self.snippets.randomElement(using: &rng)!, at: Int.random(in: 0...count, using: &rng))
        default:
            if count > 0 {
                let i = Int.random(in: 0..<count, using: &rng)
                document[i] = UInt8.random(in: 0...255, using: &rng)
            }
        }
    }

    private func probeRandomRanges(_ scanner: JSONScanner, using rng: inout SplitMix64) {
        let count = scanner.bytes.count
        for _ in 0..<4 {
            let lower = Int.random(in: -1...count, using: &rng)
            let upper = Int.random(in: max(lower, 0)...(count + 1), using: &rng)
            let range = lower..<max(lower, upper)
            _ = scanner.kind(at: range)
            _ = scanner.string(at: range)
            _ = scanner.string(at: range, equals: "a")
            _ = scanner.value(at: range)
            if let members = scanner.members(of: range) { for member in members { _ = scanner.key(of: member) } }
            if let elements = scanner.elements(of: range) { for element in elements { _ = scanner.kind(at: element) } }
            _ = scanner.lastMember(named: "id", in: range)
            _ = scanner.valueRange(at: lower)
        }
    }

    private func describe(_ document: [UInt8]) -> String {
        document.prefix(200).map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x\(String($0, radix: 16))" }.joined()
    }

    private func randomValue(depth: Int, using rng: inout SplitMix64) -> JSONValue {
        let maxKind = depth >= 5 ? 4 : 6
        switch Int.random(in: 0..<maxKind, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(randomNumberText(using: &rng))
        case 3: return .string(randomString(using: &rng))
        case 4:
            return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) })
        default:
            return .object((0..<Int.random(in: 0...4, using: &rng)).map { _ in
                (key: randomString(using: &rng), value: randomValue(depth: depth + 1, using: &rng))
            })
        }
    }

    private func randomNumberText(using rng: inout SplitMix64) -> String {
        var text = Bool.random(using: &rng) ? "-" : ""
        text += Bool.random(using: &rng) ? "0" : String(Int.random(in: 1...Int.max, using: &rng))
        if Bool.random(using: &rng) { text += "." + String(Int.random(in: 0...999_999, using: &rng)) }
        if Bool.random(using: &rng) {
            text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &rng)! + String(Int.random(in: 0...500, using: &rng))
        }
        return text
    }

    private func randomString(using rng: inout SplitMix64) -> String {
        let pool: [Unicode.Scalar] = ["a", "b", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}",
                                      "é", "日", "😀", "\u{2028}", "\u{FFFF}", "\u{10FFFF}", "\u{E000}"]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...24, using: &rng) { scalars.append(pool.randomElement(using: &rng)!) }
        return String(scalars)
    }
}
