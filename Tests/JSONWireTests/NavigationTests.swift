import Testing
@testable import JSONWire

@Suite struct JSONRPCNavigationTests {
    let body = utf8(
        #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"calculus_add","arguments":{"a":[1,2,{"b":"}]\"{["}],"name":"not this one"}}}"#
    )

    @Test func findsMethodIdAndParamsName() throws {
        let scanner = try JSONScanner(body)
        let found = scanner.lastMembers(named: ["jsonrpc", "id", "method", "params"], in: scanner.root)
        let (jsonrpc, id, method, params) = (found[0]!, found[1]!, found[2]!, found[3]!)
        #expect(scanner.string(at: jsonrpc, equals: "2.0"))
        #expect(scanner.bytes[id] == utf8("7")[...])
        #expect(scanner.int(at: id) == 7)
        #expect(scanner.string(at: method) == "tools/call")
        #expect(scanner.kind(at: params) == .object)

        let name = try #require(scanner.lastMember(named: "name", in: params))
        #expect(scanner.string(at: name) == "calculus_add")
        let arguments = try #require(scanner.lastMember(named: "arguments", in: params))
        #expect(String(decoding: scanner.bytes[arguments], as: UTF8.self)
            == #"{"a":[1,2,{"b":"}]\"{["}],"name":"not this one"}"#)
        // The same answers through the single-name helper and the decoded member list.
        #expect(scanner.lastMember(named: "method", in: scanner.root) == method)
        #expect(scanner.objectMembers(of: params)!.map(\.key) == ["name", "arguments"])
    }

    @Test func renamesTheToolBySplicing() throws {
        let scanner = try JSONScanner(body)
        let params = try #require(scanner.lastMember(named: "params", in: scanner.root))
        let name = try #require(scanner.lastMember(named: "name", in: params))
        var encoded = JSONWriter()
        encoded.string("add")
        let renamed = scanner.replacing(name, with: encoded.bytes)
        let expected = String(decoding: body, as: UTF8.self)
            .replacingFirst(#""name":"calculus_add""#, with: #""name":"add""#)
        #expect(String(decoding: renamed, as: UTF8.self) == expected)
        let rescanned = try JSONScanner(renamed)
        let newParams = try #require(rescanned.lastMember(named: "params", in: rescanned.root))
        #expect(rescanned.lastMember(named: "name", in: newParams).flatMap(rescanned.string(at:)) == "add")
    }

    /// The usage example in `JSONScanner`'s documentation, verbatim.
    @Test func documentedExample() throws {
        let request = try JSONScanner(body)
        let f = request.lastMembers(named: ["jsonrpc", "id", "method", "params"], in: request.root)
        guard let method = f[2], request.string(at: method, equals: "tools/call"),
              let params = f[3], let name = request.lastMember(named: "name", in: params)
        else { Issue.record("lookup failed"); return }
        let renamed = request.replacing(name, with: JSONValue.string("add").serializedBytes())
        #expect(try JSONValue(parsing: renamed)["params"]?["name"] == "add")
    }

    static let ids = ["7", "\"abc\"", "null", "1.50", "\"\\u00e9\"", "-0", "1e400", "123456789012345678901234567890",
                      "\"\"", "-1.5E+10"]

    @Test(arguments: ids)
    func echoesIdByteExact(_ id: String) throws {
        for template in [#"{"jsonrpc":"2.0","id":ID,"method":"ping"}"#,
                         "{ \"method\" : \"ping\" ,\n \"id\" :\tID \r\n, \"jsonrpc\":\"2.0\" }",
                         #"{"id":"first","jsonrpc":"2.0","id":ID}"#] {
            let body = utf8(template.replacingFirst("ID", with: id))
            let scanner = try JSONScanner(body)
            let range = try #require(scanner.lastMember(named: "id", in: scanner.root))
            #expect(Array(scanner.bytes[range]) == utf8(id))

            var reply = JSONWriter()
            reply.beginObject()
            reply.key("jsonrpc"); reply.string("2.0")
            reply.key("id"); reply.raw(scanner.bytes[range])
            reply.key("result"); reply.beginObject(); reply.endObject()
            reply.endObject()
            #expect(String(decoding: reply.bytes, as: UTF8.self) == #"{"jsonrpc":"2.0","id":"# + id + #","result":{}}"#)
        }
    }

    @Test func duplicateKeysAreAllReportedAndLastWins() throws {
        let scanner = try JSONScanner(#"{"a":1,"b":true,"a":2,"n\u0061me":"x","name":"y","n\u0061me":"z"}"#)
        let members = scanner.objectMembers(of: scanner.root)!
        #expect(members.map(\.key) == ["a", "b", "a", "name", "name", "name"])
        #expect(scanner.lastMember(named: "a", in: scanner.root).flatMap(scanner.int(at:)) == 2)
        #expect(scanner.lastMember(named: "name", in: scanner.root).flatMap(scanner.string(at:)) == "z")
        #expect(scanner.lastMember(named: "missing", in: scanner.root) == nil)
        let both = scanner.lastMembers(named: ["name", "a", "zz"], in: scanner.root)
        #expect(both[0].flatMap(scanner.string(at:)) == "z")
        #expect(both[1].flatMap(scanner.int(at:)) == 2)
        #expect(both[2] == nil)
        let tree = try JSONValue(parsing: scanner.bytes)
        #expect(tree["a"] == 2)
        #expect(tree["name"] == "z")
    }

    @Test func batchElements() throws {
        let scanner = try JSONScanner(#" [ {"id":1} , {"id":"two"},3,[] ,"s" ] "#)
        let elements = try #require(scanner.arrayElements(of: scanner.root))
        #expect(elements.map { String(decoding: scanner.bytes[$0], as: UTF8.self) }
            == [#"{"id":1}"#, #"{"id":"two"}"#, "3", "[]", "\"s\""])
        #expect(scanner.lastMember(named: "id", in: elements[1]).flatMap(scanner.string(at:)) == "two")
        #expect(Array(scanner.elements(of: elements[3])!).isEmpty)
        #expect(scanner.elements(of: elements[0]) == nil)
        #expect(scanner.members(of: scanner.root) == nil)
        let empty = try JSONScanner("{ }")
        #expect(Array(empty.members(of: empty.root)!).isEmpty)
    }

    @Test func scalarAccessors() throws {
        let scanner = try JSONScanner(#"{"t":true,"f":false,"n":null,"i":-42,"big":123456789012345678901234567890,"x":1.50,"e":1e2,"min":-9223372036854775808,"over":9223372036854775808}"#)
        func value(_ key: String) -> Range<Int> { scanner.lastMember(named: key, in: scanner.root)! }
        #expect(scanner.bool(at: value("t")) == true)
        #expect(scanner.bool(at: value("f")) == false)
        #expect(scanner.bool(at: value("n")) == nil)
        #expect(scanner.isNull(at: value("n")))
        #expect(!scanner.isNull(at: value("t")))
        #expect(scanner.kind(at: value("n")) == .null)
        #expect(scanner.int(at: value("i")) == -42)
        #expect(scanner.int(at: value("big")) == nil)
        #expect(scanner.numberText(at: value("big")) == "123456789012345678901234567890")
        #expect(scanner.int(at: value("x")) == nil)
        #expect(scanner.numberText(at: value("x")) == "1.50")
        #expect(scanner.int(at: value("e")) == nil)
        #expect(scanner.int(at: value("min")) == Int.min)
        #expect(scanner.int(at: value("over")) == nil)
        #expect(scanner.int(at: value("t")) == nil)
        #expect(scanner.numberText(at: value("t")) == nil)
    }

    @Test func valueRangeSkipsAnyValue() throws {
        let scanner = try JSONScanner(#"[ {"a":"]}"} , "x\"y" ,-1.5e3,true ]"#)
        #expect(scanner.valueRange(at: 1) == 2..<12)
        #expect(scanner.valueRange(at: 14) == 15..<21)
        #expect(scanner.valueRange(at: 23) == 23..<29)
        #expect(scanner.valueRange(at: 30) == 30..<34)
        #expect(scanner.valueRange(at: 0) == scanner.root)
        #expect(scanner.valueRange(at: 99) == nil)
        #expect(scanner.valueRange(at: 12) == nil) // `,` starts no value
    }

    @Test func subtreeAsJSONValue() throws {
        let scanner = try JSONScanner(body)
        let params = try #require(scanner.lastMember(named: "params", in: scanner.root))
        let arguments = try #require(scanner.lastMember(named: "arguments", in: params))
        let tree = try #require(scanner.value(at: arguments))
        #expect(tree == ["a": [1, 2, ["b": "}]\"{["]], "name": "not this one"])
        #expect(scanner.value(at: arguments.lowerBound..<(arguments.upperBound - 1)) == nil)
    }

    /// A 10 MB string argument: scanned without copying the body, and every range is right.
    @Test func tenMegabyteArgument() throws {
        var text = [UInt8](repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024)
        // Sprinkle escapes and multi-byte characters so every string path is exercised.
        for i in stride(from: 1000, to: text.count - 16, by: 100_003) {
            text.replaceSubrange(i..<(i + 8), with: utf8("\\n\\\"é\\u"))
            text.replaceSubrange((i + 8)..<(i + 12), with: utf8("00e9"))
        }
        let prefix = utf8(#"{"jsonrpc":"2.0","id":"req-1","method":"tools/call","params":{"arguments":{"text":""#)
        let suffix = utf8(#""},"name":"echo"}}"#)
        let body = prefix + text + suffix

        let scanner = try JSONScanner(body)
        #expect(scanner.root == 0..<body.count)
        // The scanner holds the caller's storage; it made no copy of the body.
        let bodyAddress = body.withUnsafeBytes { $0.baseAddress }
        let scannerAddress = scanner.bytes.withUnsafeBytes { $0.baseAddress }
        #expect(bodyAddress == scannerAddress)

        let params = try #require(scanner.lastMember(named: "params", in: scanner.root))
        let name = try #require(scanner.lastMember(named: "name", in: params))
        #expect(scanner.string(at: name) == "echo")
        #expect(name == (body.count - 8)..<(body.count - 2))
        let arguments = try #require(scanner.lastMember(named: "arguments", in: params))
        let value = try #require(scanner.lastMember(named: "text", in: arguments))
        #expect(value == (prefix.count - 1)..<(prefix.count + text.count + 1))
        #expect(scanner.string(at: value)?.utf8.count ?? 0 > 9 * 1024 * 1024)
    }

    /// Ranges that did not come from the scanner are answered safely.
    @Test func foreignRangesAreSafe() throws {
        let scanner = try JSONScanner(#"{"s":"{\"a\":[1,"}"#)
        for lower in -2...22 {
            for upper in lower...24 {
                let range = lower..<upper
                _ = scanner.kind(at: range)
                _ = scanner.string(at: range)
                _ = scanner.string(at: range, equals: "a")
                _ = scanner.value(at: range)
                _ = scanner.members(of: range).map(Array.init)
                _ = scanner.elements(of: range).map(Array.init)
                _ = scanner.lastMember(named: "a", in: range)
                _ = scanner.int(at: range)
                _ = scanner.bool(at: range)
            }
            _ = scanner.valueRange(at: lower)
        }

        // A member of another document, whose key range lands on a truncated escape here.
        let other = try JSONScanner(#"{"\u0041":1}"#)
        let foreign = try #require(other.members(of: other.root).flatMap { Array($0).first })
        #expect(foreign.key == 1..<9 && foreign.keyHasEscapes)
        let here = try JSONScanner(#"["abcde\\"]"#)
        #expect(here.key(of: foreign).hasPrefix("abcde"))
        #expect(!here.key(of: foreign, equals: "abcde"))
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        replacing(target, with: replacement, maxReplacements: 1)
    }
}
