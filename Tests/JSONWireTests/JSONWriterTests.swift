import Testing
@testable import JSONWire

@Suite struct JSONWriterTests {
    @Test func buildsAReplyWithAutomaticCommas() throws {
        let request = try JSONScanner(#"{"jsonrpc":"2.0","id":"a\u00e9","method":"tools/list"}"#)
        let id = request.lastMember(named: "id", in: request.root)!
        let tools = [utf8(#"{"name":"add","inputSchema":{"type":"object"}}"#), utf8(#"{"name":"sub"}"#)]

        var w = JSONWriter()
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("id"); w.raw(request.bytes[id])
        w.key("result")
        w.beginObject()
        w.key("tools")
        w.beginArray()
        for tool in tools { w.raw(tool) }
        w.endArray()
        w.key("nextCursor"); w.null()
        w.key("count"); w.number(2)
        w.key("ratio"); w.number(0.25)
        w.key("done"); w.bool(true)
        w.key("more"); w.bool(false)
        w.key("empty"); w.beginArray(); w.endArray()
        w.key("nested"); w.beginArray(); w.beginObject(); w.endObject(); w.beginArray(); w.endArray(); w.number(-1); w.endArray()
        w.endObject()
        w.endObject()

        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"jsonrpc":"2.0","id":"a\u00e9","result":{"tools":[{"name":"add","inputSchema":{"type":"object"}},{"name":"sub"}],"nextCursor":null,"count":2,"ratio":0.25,"done":true,"more":false,"empty":[],"nested":[{},[],-1]}}"#)
        _ = try JSONScanner(w.bytes)
    }

    @Test func topLevelSequenceOfValuesIsCommaSeparated() {
        var w = JSONWriter()
        w.number(1); w.string("x"); w.raw("[2]"); w.raw(utf8("{}")); w.null()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"1,"x",[2],{},null"#)
    }

    @Test(arguments: [0, 1, -1, 9, 10, -10, 1234567890, Int.max, Int.min])
    func integers(_ value: Int) {
        var w = JSONWriter()
        w.number(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == String(value))
    }

    @Test func doubles() {
        var w = JSONWriter()
        w.beginArray()
        for value in [0.1, 1e300, -0.0, Double.leastNonzeroMagnitude, 3.0, .nan, .infinity] { w.number(value) }
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[0.1,1e+300,-0.0,5e-324,3.0,null,null]")
    }

    @Test func escapesStringsAndKeys() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("k\"\\\n"); w.string("tab\there \u{1}\u{1F}\u{7F} é 😀 </script> \u{2028}")
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == "{\"k\\\"\\\\\\n\":\"tab\\there \\u0001\\u001f\u{7F} é 😀 </script> \u{2028}\"}")
        let parsed = try JSONValue(parsing: w.bytes)
        #expect(parsed["k\"\\\n"]?.stringValue == "tab\there \u{1}\u{1F}\u{7F} é 😀 </script> \u{2028}")
    }

    /// The word-at-a-time escaper agrees with a byte-at-a-time reference for specials at every
    /// position relative to word boundaries.
    @Test func escaperMatchesReferenceAtEveryAlignment() {
        let specials: [String] = ["\"", "\\", "\n", "\u{0}", "\u{1F}", "é", "\u{7F}", " ", "~"]
        for length in 0..<20 {
            for position in 0..<max(length, 1) {
                for special in specials {
                    var text = String(repeating: "a", count: length)
                    if length > 0 {
                        var scalars = Array(text.unicodeScalars)
                        scalars[position] = special.unicodeScalars.first!
                        text = String(String.UnicodeScalarView(scalars))
                    }
                    var w = JSONWriter()
                    w.string(text)
                    #expect(w.bytes == referenceEscape(text), "\(text.debugDescription)")
                }
            }
        }
    }

    private func referenceEscape(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0..<0x20: out += utf8("\\u00") + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return out
    }

    @Test func writesJSONValues() {
        var w = JSONWriter()
        w.beginArray()
        w.value(["a": [1, nil, true], "b": .number("1e400")])
        w.value("s")
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"[{"a":[1,null,true],"b":1e400},"s"]"#)
    }
}
