import CNghttp2

/// One HTTP header (or pseudo-header) as received or to be sent; names are lower-case on HTTP/2.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HeaderField {
    /// The first value for `name` (names compared as given: HTTP/2 names are already lower-case).
    public func first(_ name: String) -> String? {
        first(where: { $0.name == name })?.value
    }
}

/// Lays header fields out as `nghttp2_nv` entries over one contiguous buffer for the duration of
/// a submit call; nghttp2 copies them, so nothing outlives `body`.
func withNameValuePairs<T>(_ headers: [HeaderField], _ body: (UnsafePointer<nghttp2_nv>?, Int) -> T) -> T {
    var storage: [UInt8] = []
    var spans: [(Int, Int, Int, Int)] = []
    spans.reserveCapacity(headers.count)
    for h in headers {
        let ns = storage.count
        storage.append(contentsOf: h.name.utf8)
        let vs = storage.count
        storage.append(contentsOf: h.value.utf8)
        spans.append((ns, vs - ns, vs, storage.count - vs))
    }
    if storage.isEmpty { storage.append(0) }
    return storage.withUnsafeMutableBufferPointer { buf in
        var nva = spans.map { span in
            nghttp2_nv(name: buf.baseAddress! + span.0, value: buf.baseAddress! + span.2,
                       namelen: span.1, valuelen: span.3, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
        }
        return nva.withUnsafeMutableBufferPointer { body(UnsafePointer($0.baseAddress), $0.count) }
    }
}
