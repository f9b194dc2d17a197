/// Walking the elements of an array (e.g. a JSON-RPC batch).
extension JSONScanner {
    /// The elements of an array in order, as ranges into `bytes`; found on the trusted path,
    /// allocation-free.
    public struct Elements: Sequence, IteratorProtocol, Sendable {
        let scanner: JSONScanner
        let limit: Int
        var position: Int?

        public mutating func next() -> Range<Int>? {
            guard let at = position else { return nil }
            guard let element = scanner.withRaw(limit: limit, { $0.elementTrusted(at: at) }) else {
                position = nil
                return nil
            }
            position = element.next
            return scanner.absolute(element.value)
        }
    }

    /// The elements of the array at `array`, or nil if that value is not an array.
    public func elements(of array: Range<Int>) -> Elements? {
        guard let rel = relative(array), bytes[array.lowerBound] == ASCII.openBracket else { return nil }
        let first = withRaw(limit: rel.upperBound) { $0.firstElement(ofArrayAt: rel.lowerBound) }
        return Elements(scanner: self, limit: rel.upperBound, position: first)
    }

    /// The element ranges of the array at `array` collected into an array.
    public func arrayElements(of array: Range<Int>) -> [Range<Int>]? {
        elements(of: array).map { Array($0) }
    }
}
