/// Walking the members of an object.
///
/// Duplicate keys: RFC 8259 only says names "SHOULD be unique" and leaves behaviour open. The
/// scanner reports every member in document order; the lookup helpers resolve duplicates
/// LAST-wins, as Python's `json`, JavaScript's `JSON.parse`, Go's `encoding/json` and most other
/// parsers do. Matching them matters in a gateway: if the gateway read the first `"name"` while
/// the MCP server behind it (almost certainly one of those parsers) read the last, a client
/// could get a tool call authorised under one name and executed under another.
extension JSONScanner {
    /// One member of an object, as byte ranges into `bytes`.
    public struct Member: Sendable, Hashable {
        /// The key's string token, quotes included.
        public let key: Range<Int>
        /// The value, without surrounding whitespace.
        public let value: Range<Int>
        /// Whether the key contains a backslash; if not, its raw bytes are its decoded text.
        public let keyHasEscapes: Bool
    }

    /// The members of an object in document order (duplicates included).
    ///
    /// Each step finds one member on the trusted path; keys are not decoded (use `key(of:)` or
    /// `key(of:equals:)`), so iterating allocates nothing.
    public struct Members: Sequence, IteratorProtocol, Sendable {
        let scanner: JSONScanner
        /// Offset limit: the end of the object.
        let limit: Int
        /// Offset of the next key's opening quote.
        var position: Int?

        public mutating func next() -> Member? {
            guard let at = position else { return nil }
            guard let member = scanner.withRaw(limit: limit, { $0.memberTrusted(at: at) }) else {
                position = nil
                return nil
            }
            position = member.next
            return Member(key: scanner.absolute(member.key), value: scanner.absolute(member.value),
                          keyHasEscapes: member.keyHasEscapes)
        }
    }

    /// The members of the object at `object`, or nil if that value is not an object.
    public func members(of object: Range<Int>) -> Members? {
        guard let rel = relative(object), bytes[object.lowerBound] == ASCII.openBrace else { return nil }
        let first = withRaw(limit: rel.upperBound) { $0.firstMemberKey(ofObjectAt: rel.lowerBound) }
        return Members(scanner: self, limit: rel.upperBound, position: first)
    }

    /// The decoded key of `member`.
    public func key(of member: Member) -> String {
        guard let rel = relative(member.key) else { return "" }
        return withRaw(limit: rel.upperBound) { $0.decodeString(token: rel, hasEscapes: member.keyHasEscapes) }
    }

    /// Whether `member`'s key decodes to `name`: a length check and `memcmp` when the key has
    /// no escapes, an allocation-free incremental decode when it has.
    public func key(of member: Member, equals name: String) -> Bool {
        guard let rel = relative(member.key) else { return false }
        var name = name
        return name.withUTF8 { target in
            withRaw(limit: rel.upperBound) {
                $0.stringEquals(token: rel, hasEscapes: member.keyHasEscapes, UnsafeRawBufferPointer(target))
            }
        }
    }

    /// All members of the object at `object` with decoded keys, in document order, duplicates
    /// included; nil if the value is not an object.
    public func objectMembers(of object: Range<Int>) -> [(key: String, value: Range<Int>)]? {
        guard let members = members(of: object) else { return nil }
        var result: [(key: String, value: Range<Int>)] = []
        for member in members {
            result.append((key(of: member), member.value))
        }
        return result
    }

    /// The value of the last member named `name` (last-wins, see above), or nil if there is no
    /// such member or `object` is not an object. One pass; keys are compared, never decoded.
    public func lastMember(named name: String, in object: Range<Int>) -> Range<Int>? {
        guard let members = members(of: object) else { return nil }
        var found: Range<Int>?
        var name = name
        name.withUTF8 { target in
            let target = UnsafeRawBufferPointer(target)
            withRaw(limit: members.limit) { raw in
                var position = members.position
                while let at = position, let member = raw.memberTrusted(at: at) {
                    if raw.stringEquals(token: member.key, hasEscapes: member.keyHasEscapes, target) {
                        found = member.value
                    }
                    position = member.next
                }
            }
        }
        return found.map(absolute)
    }

    /// The values of the last members named `names[k]`, for every k, found in a single pass
    /// over the object (e.g. `["jsonrpc", "id", "method", "params"]` of a request). Entries
    /// are nil for absent names, and all are nil if `object` is not an object.
    public func lastMembers(named names: [String], in object: Range<Int>) -> [Range<Int>?] {
        var found = [Range<Int>?](repeating: nil, count: names.count)
        guard let members = members(of: object) else { return found }
        withRaw(limit: members.limit) { raw in
            var position = members.position
            while let at = position, let member = raw.memberTrusted(at: at) {
                // An escape-free key can only equal a name of the same UTF-8 length.
                let rawLength = member.key.count - 2
                for k in names.indices where member.keyHasEscapes || names[k].utf8.count == rawLength {
                    var name = names[k]
                    let equal = name.withUTF8 {
                        raw.stringEquals(token: member.key, hasEscapes: member.keyHasEscapes, UnsafeRawBufferPointer($0))
                    }
                    if equal { found[k] = absolute(member.value) }
                }
                position = member.next
            }
        }
        return found
    }
}
