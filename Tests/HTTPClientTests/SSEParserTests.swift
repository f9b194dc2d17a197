import Testing
@testable import HTTPClient

@Suite struct SSEParserTests {
    /// Feeds `text` whole, then split at every position, then byte by byte: the events must not
    /// depend on how the stream was chunked.
    private func parseAllWays(_ text: String, file: String = #filePath, line: Int = #line) throws -> [SSEEvent] {
        let bytes = Array(text.utf8)
        var whole = SSEParser()
        let expected = try whole.feed(bytes)
        for split in 0...bytes.count {
            var parser = SSEParser()
            let events = try parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(events == expected, "split at \(split)")
        }
        var parser = SSEParser()
        var byByte: [SSEEvent] = []
        for b in bytes { byByte += try parser.feed([b]) }
        #expect(byByte == expected, "byte at a time")
        return expected
    }

    @Test func simpleEvent() throws {
        #expect(try parseAllWays("data: hello\n\n") == [SSEEvent(data: "hello")])
    }

    @Test func allFields() throws {
        let events = try parseAllWays("id: 7\nevent: update\nretry: 1500\ndata: x\n\n")
        #expect(events == [SSEEvent(id: "7", event: "update", data: "x", retry: 1500)])
    }

    @Test func multipleDataLinesJoinWithNewline() throws {
        #expect(try parseAllWays("data: a\ndata: b\ndata:\ndata: c\n\n") == [SSEEvent(data: "a\nb\n\nc")])
    }

    @Test func lineEndingsCRLFAndCR() throws {
        let expected = [SSEEvent(id: "1", data: "a\nb"), SSEEvent(data: "c")]
        #expect(try parseAllWays("id: 1\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n") == expected)
        #expect(try parseAllWays("id: 1\rdata: a\rdata: b\r\rdata: c\r\r") == expected)
        #expect(try parseAllWays("id: 1\rdata: a\r\ndata: b\n\r\ndata: c\n\r") == expected)
    }

    @Test func crlfSplitAcrossChunksCountsOnce() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("data: a\r".utf8)) == [])
        // The LF completes the CRLF; only the following CRLF is the blank line.
        #expect(try parser.feed(Array("\n\r".utf8)) == [SSEEvent(data: "a")])
        #expect(try parser.feed(Array("\ndata: b\n\n".utf8)) == [SSEEvent(data: "b")])
    }

    @Test func commentsAreIgnored() throws {
        #expect(try parseAllWays(": ping\n:\ndata: x\n: mid-event comment\n\n: trailing\n\n") == [SSEEvent(data: "x")])
    }

    @Test func spaceAfterColonIsOptionalAndOnlyOneIsStripped() throws {
        #expect(try parseAllWays("data:x\n\ndata:  two spaces\n\n") == [SSEEvent(data: "x"), SSEEvent(data: " two spaces")])
    }

    @Test func fieldWithoutColonHasEmptyValue() throws {
        // "data" alone appends an empty line; the event is dispatched with empty data.
        #expect(try parseAllWays("data\n\n") == [SSEEvent(data: "")])
        #expect(try parseAllWays("data\ndata\n\n") == [SSEEvent(data: "\n")])
    }

    @Test func leadingBOMIsDropped() throws {
        #expect(try parseAllWays("\u{FEFF}data: x\n\n") == [SSEEvent(data: "x")])
        // Only at the very start: a second BOM is part of the field name, so the line is ignored.
        #expect(try parseAllWays("\u{FEFF}\u{FEFF}data: x\n\ndata: y\n\n") == [SSEEvent(data: "y")])
    }

    @Test func partialBOMPrefixIsContent() throws {
        var parser = SSEParser()
        // EF BB then "d": not a BOM; the bytes belong to the first line (an unknown field).
        let bytes: [UInt8] = [0xEF, 0xBB] + Array("d: z\n\ndata: y\n\n".utf8)
        var events: [SSEEvent] = []
        for b in bytes { events += try parser.feed([b]) }
        #expect(events == [SSEEvent(data: "y")])
    }

    @Test func eventWithoutDataIsNotDispatched() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("event: x\nid: 9\nretry: 10\n\ndata: y\n\n".utf8)) == [SSEEvent(data: "y")])
        // The id and retry still took effect for the stream.
        #expect(parser.lastEventID == "9")
        #expect(parser.reconnectionTime == 10)
    }

    @Test func lastEventIDPersistsAndResets() throws {
        var parser = SSEParser()
        var events = try parser.feed(Array("id: a\ndata: 1\n\ndata: 2\n\n".utf8))
        #expect(events.map(\.id) == ["a", nil])
        #expect(parser.lastEventID == "a")
        events = try parser.feed(Array("id\ndata: 3\n\n".utf8))
        #expect(events == [SSEEvent(id: "", data: "3")])
        #expect(parser.lastEventID == "")
    }

    @Test func idWithNULIsIgnored() throws {
        var parser = SSEParser()
        let events = try parser.feed(Array("id: ok\n\nid: a\0b\ndata: x\n\n".utf8))
        #expect(events == [SSEEvent(data: "x")])
        #expect(parser.lastEventID == "ok")
    }

    @Test func invalidRetryIsIgnored() throws {
        let events = try parseAllWays("retry: 12a\ndata: x\n\nretry: -1\ndata: y\n\nretry:\ndata: z\n\n")
        #expect(events.map(\.retry) == [nil, nil, nil])
    }

    @Test func unknownFieldsAreIgnored() throws {
        #expect(try parseAllWays("foo: bar\ndata: x\nDATA: y\n\n") == [SSEEvent(data: "x")])
    }

    @Test func incompleteEventAtEndIsNotDispatched() throws {
        #expect(try parseAllWays("data: a\n\ndata: never finished\n") == [SSEEvent(data: "a")])
    }

    @Test func eventTypeResetsBetweenEvents() throws {
        let events = try parseAllWays("event: custom\ndata: 1\n\ndata: 2\n\n")
        #expect(events.map(\.event) == ["custom", nil])
    }

    @Test func utf8DataSplitMidCharacter() throws {
        #expect(try parseAllWays("data: héllo ✓ 🎉\n\n") == [SSEEvent(data: "héllo ✓ 🎉")])
    }

    @Test func oversizedEventThrows() throws {
        var parser = SSEParser(maxEventSize: 64)
        #expect(try parser.feed(Array("data: small\n\n".utf8)) == [SSEEvent(data: "small")])
        let big = Array(("data: " + String(repeating: "x", count: 40) + "\n").utf8)
        #expect(throws: SSEParserError.eventTooLarge(limit: 64)) {
            _ = try parser.feed(big + big)
        }
        // A single line that never ends is bounded too.
        var lineParser = SSEParser(maxEventSize: 64)
        #expect(throws: SSEParserError.eventTooLarge(limit: 64)) {
            for _ in 0..<100 { _ = try lineParser.feed(Array("xxxx".utf8)) }
        }
    }

    @Test func manySmallEventsWithinLimitAreFine() throws {
        var parser = SSEParser(maxEventSize: 64)
        var text = ""
        for i in 0..<100 { text += "data: event \(i)\n\n" }
        #expect(try parser.feed(Array(text.utf8)).count == 100)
    }

    @Test func feedFromRawBuffer() throws {
        var parser = SSEParser()
        let bytes = Array("data: raw\n\n".utf8)
        let events = try bytes.withUnsafeBytes { try parser.feed($0) }
        #expect(events == [SSEEvent(data: "raw")])
    }

    @Test func resetDropsPartialEventKeepsLastID() throws {
        var parser = SSEParser()
        _ = try parser.feed(Array("id: 5\ndata: 1\n\ndata: partial".utf8))
        parser.reset()
        #expect(try parser.feed(Array("data: 2\n\n".utf8)) == [SSEEvent(data: "2")])
        #expect(parser.lastEventID == "5")
    }
}
