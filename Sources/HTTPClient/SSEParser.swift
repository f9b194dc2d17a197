/// One Server-Sent Event.
public struct SSEEvent: Sendable, Hashable {
    /// The `id:` field given in this event, if any. For reconnecting with `Last-Event-ID`, use
    /// `SSEParser.lastEventID`, which (as the spec says) persists across events.
    public var id: String?
    /// The `event:` field; nil means the default type, "message".
    public var event: String?
    /// The `data:` lines joined with "\n".
    public var data: String
    /// A valid `retry:` field given in this event (milliseconds).
    public var retry: Int?

    public init(id: String? = nil, event: String? = nil, data: String, retry: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.retry = retry
    }
}

public enum SSEParserError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One event (its pending line plus its data so far) grew beyond the limit.
    case eventTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .eventTooLarge(let limit): return "server-sent event exceeds \(limit) bytes"
        }
    }
}

/// An incremental `text/event-stream` parser, per the WHATWG HTML "event stream
/// interpretation": pure (no I/O), fed arbitrary chunks, returns complete events.
///
/// Lines end in CRLF, LF or CR (a CRLF split across chunks counts once); a leading UTF-8 BOM is
/// dropped; lines starting with ":" are comments; one space after the colon is optional and
/// stripped; unknown fields are ignored; an event is dispatched at a blank line, only if it
/// had data. An unterminated event at the end of the stream is discarded, as the spec says.
/// Memory is bounded by `maxEventSize`; after `eventTooLarge` the stream should be abandoned.
public struct SSEParser: Sendable {
    public let maxEventSize: Int
    /// The spec's "last event ID buffer": the latest `id:` seen (empty if reset by `id:` with
    /// no value). Send it as `Last-Event-ID` when reconnecting.
    public private(set) var lastEventID = ""
    /// The latest valid `retry:` value (milliseconds), whether or not an event was dispatched.
    public private(set) var reconnectionTime: Int?

    private static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, colon: UInt8 = 0x3A, space: UInt8 = 0x20
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType: String?
    private var eventID: String?
    private var retry: Int?
    /// The previous chunk ended in CR: an LF starting the next one belongs to it.
    private var afterCR = false
    /// Bytes of a possible BOM at the very start; nil once decided.
    private var bomPending: [UInt8]? = []

    public init(maxEventSize: Int = 16 << 20) {
        self.maxEventSize = maxEventSize
    }

    /// Parses the next piece of the stream; returns the events it completed, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(SSEParserError) -> [SSEEvent] {
        try feed(bytes.bindMemory(to: UInt8.self))
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(SSEParserError) -> [SSEEvent] {
        // withContiguousStorageIfAvailable only rethrows untyped errors, so carry a Result out.
        if let result = bytes.withContiguousStorageIfAvailable({ buf in
            Result { () throws(SSEParserError) -> [SSEEvent] in try feed(buf) }
        }) {
            return try result.get()
        }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buf) throws(SSEParserError) -> [SSEEvent] in try feed(buf) }
    }

    /// Forgets a partial event (e.g. before reconnecting); keeps `lastEventID` and
    /// `reconnectionTime`.
    public mutating func reset() {
        line = []
        data = []
        eventType = nil
        eventID = nil
        retry = nil
        afterCR = false
        bomPending = []
    }

    private mutating func feed(_ buf: UnsafeBufferPointer<UInt8>) throws(SSEParserError) -> [SSEEvent] {
        var events: [SSEEvent] = []
        var i = 0
        let n = buf.count
        while var pending = bomPending, i < n {
            if buf[i] == Self.bom[pending.count] {
                pending.append(buf[i])
                i += 1
                bomPending = pending.count == Self.bom.count ? nil : pending
            } else {
                // Not a BOM after all: what matched is content (it has no CR or LF in it).
                line.append(contentsOf: pending)
                bomPending = nil
            }
        }
        while i < n {
            if afterCR {
                afterCR = false
                if buf[i] == Self.lf {
                    i += 1
                    continue
                }
            }
            var j = i
            while j < n && buf[j] != Self.lf && buf[j] != Self.cr { j += 1 }
            if j > i {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                try checkSize()
            }
            if j == n { break }
            afterCR = buf[j] == Self.cr
            i = j + 1
            try processLine(into: &events)
            line.removeAll(keepingCapacity: line.capacity <= 64 * 1024)
        }
        return events
    }

    private mutating func checkSize() throws(SSEParserError) {
        if line.count + data.count > maxEventSize {
            let limit = maxEventSize
            line = []
            data = []
            throw .eventTooLarge(limit: limit)
        }
    }

    private mutating func processLine(into events: inout [SSEEvent]) throws(SSEParserError) {
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == Self.colon { return }  // comment
        let colonIndex = line.firstIndex(of: Self.colon)
        let name = line[..<(colonIndex ?? line.count)]
        var valueStart = colonIndex.map { $0 + 1 } ?? line.count
        if valueStart < line.count && line[valueStart] == Self.space { valueStart += 1 }
        let value = line[valueStart...]

        if name.elementsEqual("data".utf8) {
            data.append(contentsOf: value)
            data.append(Self.lf)
            try checkSize()
        } else if name.elementsEqual("event".utf8) {
            eventType = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) {
                let id = String(decoding: value, as: UTF8.self)
                eventID = id
                lastEventID = id
            }
        } else if name.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let ms = Int(String(decoding: value, as: UTF8.self)) {
                retry = ms
                reconnectionTime = ms
            }
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            data.removeAll(keepingCapacity: data.capacity <= 64 * 1024)
            eventType = nil
            eventID = nil
            retry = nil
        }
        guard !data.isEmpty else { return }
        data.removeLast()  // the LF after the last data line
        events.append(SSEEvent(id: eventID, event: eventType, data: String(decoding: data, as: UTF8.self), retry: retry))
    }
}
