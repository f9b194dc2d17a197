// Fuzz target `http-response`: the outbound client's incremental HTTP/1.1 response parser
// (`ResponseParser`, internal: reached with @testable import). Byte 0: bit 0 makes the request a
// HEAD, the rest seeds the chunking; the remaining bytes are what the server sent, followed by a
// close. Properties: nothing traps; parsing the bytes in one piece and in chunks gives the same
// transcript (heads, the concatenated body, end, keep-alive) and fails in both or neither; body
// bytes never exceed what was received.
@testable import HTTPClient

private enum Item: Equatable {
    case head(status: Int, headers: [String])
    case body([UInt8])
    case end(keepAlive: Bool)
    case failed
}

private func run(_ bytes: UnsafeBufferPointer<UInt8>, chunks: [Int]?, method: String) -> [Item] {
    var parser = ResponseParser(requestMethod: method, maxHeadSize: 1024)
    var items: [Item] = []
    func record(_ event: ResponseParser.Event, _ parser: ResponseParser) {
        switch event {
        case .head(let head):
            items.append(.head(status: head.status, headers: head.headers.map { "\($0.0): \($0.1)" }))
        case .body(let chunk):
            if case .body(let previous)? = items.last { items[items.count - 1] = .body(previous + chunk) } else { items.append(.body(chunk)) }
        case .end:
            items.append(.end(keepAlive: parser.keepAlive))
        }
    }
    do {
        var offset = 0
        for length in chunks ?? [bytes.count] where length > 0 {
            parser.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[offset..<(offset + length)]))
            offset += length
            while let event = try parser.next() { record(event, parser) }
        }
        while let event = try parser.finishInput() { record(event, parser) }
    } catch {
        items.append(.failed)
    }
    return items
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let mode = input.first else { return 0 }
    let bytes = UnsafeBufferPointer(rebasing: input.dropFirst())
    let method = mode & 1 == 1 ? "HEAD" : "POST"
    let whole = run(bytes, chunks: nil, method: method)
    let chunked = run(bytes, chunks: chunkLengths(for: bytes, seed: mode), method: method)
    fuzzCheck(whole == chunked, "one piece vs chunks differ:\n  \(whole)\n  \(chunked)\n  input \(hexPrefix(bytes))")
    var bodyBytes = 0
    for case .body(let b) in whole { bodyBytes += b.count }
    fuzzCheck(bodyBytes <= bytes.count, "more body bytes than input bytes")
    return 0
}
