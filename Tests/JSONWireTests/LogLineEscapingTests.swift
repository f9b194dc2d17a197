import JSONWire
import Logging
import Testing

/// Log and audit lines escape through `JSONWriter`: whatever goes in, key or value, must come
/// out of a JSON parser unchanged, one line per record.
@Suite struct LogLineEscapingTests {
    @Test(arguments: ["", "plain", "calculus_differentiate", "quote \" and \\ backslash", "line\nbreak\r\ttab",
                      "\u{01}\u{1f} control", "é ü 日本 🎉", String(repeating: "long ", count: 5_000)])
    func roundTrips(_ value: String) throws {
        var line = JSONLine()
        line.add("v", value)
        line.add(value, 7)
        line.add("names", strings: [value, "x"])
        let bytes = line.finish()
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(!bytes.dropLast().contains(UInt8(ascii: "\n")))
        let parsed = try JSONValue(parsing: Array(bytes.dropLast()))
        #expect(parsed["v"]?.stringValue == value)
        #expect(parsed[value]?.numberText == "7")
        #expect(parsed["names"]?.arrayValue?.map(\.stringValue) == [value, "x"])
    }
}

@Suite struct WallClockFormatTests {
    @Test func iso8601NowIsUTCWithMilliseconds() {
        let before = WallClock.unixSeconds()
        let text = WallClock.iso8601Now()
        let b = Array(text.utf8)
        #expect(b.count == 24)
        for (i, c) in b.enumerated() {
            switch i {
            case 4, 7: #expect(c == UInt8(ascii: "-"))
            case 10: #expect(c == UInt8(ascii: "T"))
            case 13, 16: #expect(c == UInt8(ascii: ":"))
            case 19: #expect(c == UInt8(ascii: "."))
            case 23: #expect(c == UInt8(ascii: "Z"))
            default: #expect((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c), "\(text)")
            }
        }
        // The same instant as the clock says, to the second (days since the epoch from the civil date).
        let y = Int(text.prefix(4))!, m = Int(text.dropFirst(5).prefix(2))!, d = Int(text.dropFirst(8).prefix(2))!
        let hh = Int(text.dropFirst(11).prefix(2))!, mm = Int(text.dropFirst(14).prefix(2))!, ss = Int(text.dropFirst(17).prefix(2))!
        let yy = m <= 2 ? y - 1 : y, era = yy / 400, yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        let seconds = Double(days * 86_400 + hh * 3_600 + mm * 60 + ss)
        #expect(abs(seconds - before.rounded(.down)) <= 1)
    }
}
