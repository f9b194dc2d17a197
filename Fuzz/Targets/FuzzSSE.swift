// Fuzz target `sse`: the incremental text/event-stream parser (`SSEParser.feed`). Byte 0 seeds
// how the rest is cut into chunks; the rest is the stream. Properties: nothing traps; feeding the
// stream in one piece and in chunks (some through the raw-buffer overload, some through the
// generic-sequence one) gives the same events, the same `lastEventID` / `reconnectionTime`, and
// fails (event too large) in both or neither.
import HTTPClient

private let maxEventSize = 512

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let seed = input.first else { return 0 }
    let stream = UnsafeBufferPointer(rebasing: input.dropFirst())

    var whole = SSEParser(maxEventSize: maxEventSize)
    let wholeResult = Result { () throws(SSEParserError) in try whole.feed(UnsafeRawBufferPointer(stream)) }

    var chunked = SSEParser(maxEventSize: maxEventSize)
    var events: [SSEEvent] = []
    var failed: SSEParserError?
    var offset = 0
    for (k, length) in chunkLengths(for: stream, seed: seed).enumerated() {
        let piece = UnsafeBufferPointer(rebasing: stream[offset..<(offset + length)])
        offset += length
        do {
            if k % 3 == 2 {
                events += try chunked.feed(piece.lazy.map { $0 })   // a non-contiguous Sequence
            } else {
                events += try chunked.feed(UnsafeRawBufferPointer(piece))
            }
        } catch {
            failed = error
            break
        }
    }

    switch wholeResult {
    case .success(let wholeEvents):
        fuzzCheck(failed == nil, "chunked feed failed (\(failed!)) where one feed did not: \(hexPrefix(stream))")
        fuzzCheck(wholeEvents == events, "chunked feed gave other events: \(wholeEvents) vs \(events)")
        fuzzCheck(whole.lastEventID == chunked.lastEventID, "lastEventID differs")
        fuzzCheck(whole.reconnectionTime == chunked.reconnectionTime, "reconnectionTime differs")
        for event in wholeEvents {
            // (Each raw byte decodes to at most one scalar; invalid UTF-8 becomes 3-byte U+FFFD.)
            fuzzCheck(event.data.unicodeScalars.count <= maxEventSize, "an event larger than maxEventSize was delivered")
        }
    case .failure(let error):
        fuzzCheck(failed == error, "one feed failed (\(error)), chunked gave \(String(describing: failed)): \(hexPrefix(stream))")
    }
    return 0
}
