// Fuzz target `admin-http`: the admin port's HTTP/1.1 request parser (`HTTP1RequestParser`,
// `append` + `next`). Byte 0 seeds the chunking; the rest is what a client sent on one
// connection. Properties: nothing traps; feeding it in one piece and in chunks yields the same
// requests (method, target, headers, body) and the same error; a request's body is within the
// limit and, unless it came chunked, exactly its Content-Length.
import AdminHTTP

private enum Item: Equatable {
    case request(method: String, target: String, headers: [String], body: [UInt8])
    case failed(HTTP1RequestParser.ParseError)
}

private func run(_ bytes: UnsafeBufferPointer<UInt8>, chunks: [Int]) -> [Item] {
    var parser = HTTP1RequestParser(maxHeaderBytes: 512, maxBodyBytes: 1024)
    var items: [Item] = []
    var offset = 0
    do {
        for length in chunks {
            parser.append(bytes[offset..<(offset + length)])
            offset += length
            while let request = try parser.next() {
                fuzzCheck(request.body.count <= 1024, "body beyond maxBodyBytes")
                if request.header("transfer-encoding") == nil, let cl = request.header("content-length") {
                    fuzzCheck(Int(cl) == request.body.count, "body is not Content-Length long: \(request.headers) body \(request.body.count)")
                }
                _ = request.path
                items.append(.request(method: request.method, target: request.target,
                                      headers: request.headers.map { "\($0.0): \($0.1)" }, body: request.body))
            }
        }
    } catch {
        items.append(.failed(error))
    }
    return items
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let seed = input.first else { return 0 }
    let bytes = UnsafeBufferPointer(rebasing: input.dropFirst())
    let whole = run(bytes, chunks: bytes.isEmpty ? [] : [bytes.count])
    let chunked = run(bytes, chunks: chunkLengths(for: bytes, seed: seed))
    fuzzCheck(whole == chunked, "one piece vs chunks differ:\n  \(whole)\n  \(chunked)\n  input \(hexPrefix(bytes))")
    return 0
}
