// Fuzz target `json`: JSONWire's validating scanner, its trusted-path navigation and the tree
// parser. Properties checked on every input:
// * `JSONScanner.validate` on the raw input memory, `JSONScanner(_:)` on a copy and
//   `JSONValue(parsing:)` accept exactly the same documents and report the same error + offset;
// * for an accepted document, the tree rebuilt through the scanner's navigation (members,
//   elements, string/number/bool accessors) equals the parsed tree, `value(at: root)` equals it,
//   `lastMember(named:)` agrees with last-wins over `objectMembers`, and write → parse is the
//   identity on the tree.
import JSONWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let raw = UnsafeRawBufferPointer(input)
    let bytes = Array(input)

    let validated = Result { () throws(JSONError) in try JSONScanner.validate(raw) }
    let scanned = Result { () throws(JSONError) in try JSONScanner(bytes) }
    let parsed = Result { () throws(JSONError) in try JSONValue(parsing: raw) }

    switch (validated, scanned, parsed) {
    case let (.success(root), .success(scanner), .success(value)):
        fuzzCheck(root == scanner.root, "validate and JSONScanner disagree on the root range")
        let rebuilt = tree(scanner, scanner.root, depth: 0)
        fuzzCheck(rebuilt == value, "scanner navigation disagrees with the parser on \(hexPrefix(bytes))")
        fuzzCheck(scanner.value(at: scanner.root) == value, "value(at: root) differs from the parsed tree")
        let written = value.serializedBytes()
        fuzzCheck((try? JSONValue(parsing: written)) == value, "write -> parse changed the tree of \(hexPrefix(bytes))")
        fuzzCheck((try? JSONScanner(written)) != nil, "the writer produced JSON the scanner rejects")
        // Probe ranges that are not values: must be answered (nil or something), never trap.
        let n = bytes.count
        for (k, b) in bytes.prefix(16).enumerated() {
            let lower = (Int(b) &* 31 &+ k) % (n + 2) - 1
            let upper = lower + Int(b % 7)
            let range = lower..<upper
            _ = scanner.kind(at: range)
            _ = scanner.string(at: range)
            _ = scanner.string(at: range, equals: "name")
            _ = scanner.value(at: range)
            _ = scanner.int(at: range)
            _ = scanner.valueRange(at: lower)
            _ = scanner.lastMember(named: "id", in: range)
            if let members = scanner.members(of: range) { for m in members { _ = scanner.key(of: m) } }
            if let elements = scanner.elements(of: range) { for e in elements { _ = scanner.kind(at: e) } }
        }
    case let (.failure(e1), .failure(e2), .failure(e3)):
        fuzzCheck(e1 == e2 && e2 == e3, "different errors: validate \(e1), scanner \(e2), parser \(e3) on \(hexPrefix(bytes))")
        fuzzCheck(e1.offset >= 0 && e1.offset <= bytes.count, "error offset \(e1.offset) outside the input (\(bytes.count) bytes)")
    default:
        fuzzFail("validate/scanner/parser disagree on validity of \(hexPrefix(bytes))")
    }
    return 0
}

/// The tree of the value at `range`, built only through the scanner's navigation API.
private func tree(_ s: JSONScanner, _ range: Range<Int>, depth: Int) -> JSONValue? {
    guard let kind = s.kind(at: range) else { return nil }
    switch kind {
    case .object:
        guard let members = s.members(of: range), let listed = s.objectMembers(of: range) else { return nil }
        var out: [(key: String, value: JSONValue)] = []
        // Keyed by UTF-8 bytes, not String: Swift's String == is canonical equivalence ("é" ==
        // "e\u{301}"), while member lookup (rightly) compares the decoded bytes.
        var lastByKey: [[UInt8]: Range<Int>] = [:]
        for (member, (key, value)) in zip(members, listed) {
            fuzzCheck(s.key(of: member) == key && member.value == value, "members and objectMembers disagree")
            fuzzCheck(s.key(of: member, equals: key), "key(of:equals:) refuses the decoded key \(key.debugDescription)")
            guard let v = tree(s, value, depth: depth + 1) else { return nil }
            out.append((key, v))
            lastByKey[Array(key.utf8)] = value
        }
        for (key, value) in lastByKey {
            let name = String(decoding: key, as: UTF8.self)
            fuzzCheck(s.lastMember(named: name, in: range) == value, "lastMember(named: \(name.debugDescription)) is not last-wins")
        }
        let names = Array(lastByKey.keys.prefix(4)) + [Array("\u{0}absent".utf8)]
        let found = s.lastMembers(named: names.map { String(decoding: $0, as: UTF8.self) }, in: range)
        for (name, value) in zip(names, found) {
            fuzzCheck(value == lastByKey[name], "lastMembers(named:) disagrees for \(hexPrefix(name))")
        }
        return .object(out)
    case .array:
        guard let elements = s.elements(of: range) else { return nil }
        var out: [JSONValue] = []
        for e in elements {
            guard let v = tree(s, e, depth: depth + 1) else { return nil }
            out.append(v)
        }
        fuzzCheck(s.arrayElements(of: range)?.count == out.count, "arrayElements count differs")
        return .array(out)
    case .string:
        guard let text = s.string(at: range) else { return nil }
        fuzzCheck(s.string(at: range, equals: text), "string(at:equals:) refuses its own decoded text")
        return .string(text)
    case .number:
        return s.numberText(at: range).map(JSONValue.number)
    case .bool:
        return s.bool(at: range).map(JSONValue.bool)
    case .null:
        return s.isNull(at: range) ? .null : nil
    }
}
