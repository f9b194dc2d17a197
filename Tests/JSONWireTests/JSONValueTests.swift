import Testing
@testable import JSONWire

@Suite struct JSONValueTests {
    /// parse → write yields these canonical bytes: compact, stored order, raw numbers, minimal
    /// escaping, non-ASCII as UTF-8.
    @Test(arguments: [
        (" { \"a\" : [ 1 , 2.50 , -0 , 1e400 ] , \"b\" : { } , \"c\" : [ ] } ", #"{"a":[1,2.50,-0,1e400],"b":{},"c":[]}"#),
        (#"{"z":1,"a":2,"m":3}"#, #"{"z":1,"a":2,"m":3}"#),
        (#"{"a":1,"a":2}"#, #"{"a":1,"a":2}"#),
        ("[ true , false , null ]", "[true,false,null]"),
        (#""\u0041\u00e9\ud83d\ude00\/""#, "\"Aé😀/\""),
        (#""\u0000\u001f\u001F\b\f\n\r\t\"\\""#, #""\u0000\u001f\u001f\b\f\n\r\t\"\\""#),
        (#""\u007f\u2028""#, "\"\u{7F}\u{2028}\""),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("-1.5E+10", "-1.5E+10"),
        (#"{"k\u0065y":"v"}"#, #"{"key":"v"}"#),
        (#"{"":[[],{"":{}}]}"#, #"{"":[[],{"":{}}]}"#),
    ])
    func roundTripsToCanonicalBytes(_ input: String, _ canonical: String) throws {
        let value = try JSONValue(parsing: input)
        #expect(value.serializedString() == canonical)
        #expect(value.serializedBytes() == utf8(canonical))
        // Canonical output is a fixed point.
        #expect(try JSONValue(parsing: canonical) == value)
        #expect(try JSONValue(parsing: canonical).serializedString() == canonical)
    }

    @Test(arguments: validDocuments)
    func everyValidDocumentRoundTrips(_ text: String) throws {
        let value = try JSONValue(parsing: text)
        let written = value.serializedBytes()
        _ = try JSONScanner(written)
        #expect(try JSONValue(parsing: written) == value)
        let scanner = try JSONScanner(text)
        #expect(treeViaScanner(scanner, scanner.root) == value)
    }

    @Test func accessors() throws {
        let value = try JSONValue(parsing: #"{"s":"x","n":7,"f":1.50,"b":true,"z":null,"a":[1,"two"],"o":{"k":"v"},"s":"last"}"#)
        #expect(value["s"]?.stringValue == "last")
        #expect(value["n"]?.intValue == 7)
        #expect(value["f"]?.intValue == nil)
        #expect(value["f"]?.numberText == "1.50")
        #expect(value["f"]?.doubleValue == 1.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(value["a"]?[1]?.stringValue == "two")
        #expect(value["a"]?[2] == nil)
        #expect(value["o"]?.objectValue?.first?.key == "k")
        #expect(value["o"]?["k"] == "v")
        #expect(value["missing"] == nil)
        #expect(value["s"]?.intValue == nil)
        #expect(value[0] == nil)
        #expect(value.kind == .object)
        #expect(value.objectValue?.count == 8)
    }

    @Test(arguments: [
        ("0", 0), ("-0", 0), ("7", 7), ("-42", -42),
        ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
    ])
    func integers(_ text: String, _ expected: Int) {
        #expect(JSONValue.number(text).intValue == expected)
    }

    @Test(arguments: ["1.0", "1e2", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890"])
    func nonIntegers(_ text: String) {
        #expect(JSONValue.number(text).intValue == nil)
    }

    @Test func hugeNumbersArePreservedNotConverted() throws {
        let value = try JSONValue(parsing: "[1e400, -0, 0.1e-400]")
        #expect(value == [.number("1e400"), .number("-0"), .number("0.1e-400")])
        #expect(value.serializedString() == "[1e400,-0,0.1e-400]")
        #expect(value[0]?.doubleValue == .infinity)
    }

    @Test func buildingInCode() {
        let value: JSONValue = ["jsonrpc": "2.0", "id": nil, "ok": true, "n": 3, "x": 0.5, "list": [1, "a"]]
        #expect(value.serializedString() == #"{"jsonrpc":"2.0","id":null,"ok":true,"n":3,"x":0.5,"list":[1,"a"]}"#)
        #expect(JSONValue(Double.nan) == .null)
        #expect(JSONValue(-Double.infinity) == .null)
        #expect(JSONValue(1e300).serializedString() == "1e+300")
        #expect(JSONValue(Int.min).serializedString() == "-9223372036854775808")
        #expect(JSONValue(1.0) != JSONValue(1))
    }

    @Test func equalityIsOrderSensitive() {
        let a: JSONValue = ["x": 1, "y": 2]
        let b: JSONValue = ["y": 2, "x": 1]
        #expect(a != b)
        #expect(a == ["x": 1, "y": 2])
        #expect(JSONValue.array([]) != JSONValue.object([]))
    }

    @Test func parsesFromEveryInputForm() throws {
        let text = #"{"a":[1]}"#
        let expected: JSONValue = ["a": [1]]
        #expect(try JSONValue(parsing: text) == expected)
        #expect(try JSONValue(parsing: utf8(text)) == expected)
        #expect(try JSONValue(parsing: utf8("xx" + text)[2...]) == expected)
        #expect(try utf8(text).withUnsafeBytes { try JSONValue(parsing: $0) } == expected)
    }
}
