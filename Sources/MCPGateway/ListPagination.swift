import JSONWire

/// Pages of the merged lists. Cursors are opaque to clients: base64url of `<kind>:<offset>`, so a
/// cursor from one list is refused by another, and a malformed one is -32602.
enum ListPagination {
    static func cursor(kind: String, offset: Int) -> String {
        Base64URL.encode(Array("\(kind):\(offset)".utf8))
    }

    static func offset(from cursor: String?, kind: String) -> Int? {
        guard let cursor else { return 0 }
        guard let raw = Base64URL.decode(cursor) else { return nil }
        let text = String(decoding: raw, as: UTF8.self)
        guard text.hasPrefix(kind + ":"), let n = Int(text.dropFirst(kind.count + 1)), n >= 0 else { return nil }
        return n
    }

    /// The pre-joined page when the caller may see everything and the offset is a page boundary.
    static func writePrejoined(_ catalog: CatalogSnapshot, entries: [FederatedEntry], key: String, kind: String, offset: Int,
                               pageSize: Int, era: ProtocolEra = .handshake, into w: inout JSONWriter) -> Bool {
        let pageKey = era == .modern && catalog.pages[CatalogSnapshot.modernPageKey(key)] != nil ? CatalogSnapshot.modernPageKey(key) : key
        guard pageSize == catalog.pageSize, offset % pageSize == 0, let pages = catalog.pages[pageKey] else { return false }
        let index = offset / pageSize
        w.key(key)
        w.beginArray()
        if index < pages.count, !pages[index].isEmpty { w.raw(pages[index]) }
        w.endArray()
        // `offset` comes from the client's cursor and may be near Int.max: no `offset + pageSize`.
        if offset < entries.count - pageSize {
            w.key("nextCursor"); w.string(cursor(kind: kind, offset: offset + pageSize))
        }
        return true
    }

    /// Writes `"<key>":[...]` for one page and the `nextCursor` when more remain.
    static func writePage(_ entries: [FederatedEntry], key: String, kind: String, offset: Int, pageSize: Int,
                          era: ProtocolEra = .handshake, allowed: (FederatedEntry) -> Bool, into w: inout JSONWriter) {
        let visible = entries.filter(allowed)
        let start = min(offset, visible.count)
        let end = start + min(pageSize, visible.count - start)   // pageSize may be Int.max
        w.key(key)
        w.beginArray()
        for entry in visible[start..<end] { w.raw(entry.json(for: era)) }
        w.endArray()
        if end < visible.count {
            w.key("nextCursor"); w.string(cursor(kind: kind, offset: end))
        }
    }
}
