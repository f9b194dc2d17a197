/// A strict reader of the Prometheus text exposition format (0.0.4), enough to tell valid output
/// from broken: every line is `# HELP`, `# TYPE` or one sample, samples follow their family's
/// TYPE line, label values are properly quoted and escaped, values are numbers.
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var help: [String: String] = [:]
    var types: [String: String] = [:]
    var samples: [Sample] = []

    struct Invalid: Error, CustomStringConvertible {
        var line: String
        var why: String
        var description: String { "\(why): \(line.debugDescription)" }
    }

    init(_ text: String) throws {
        guard text.isEmpty || text.utf8.last == 0x0A else { throw Invalid(line: text, why: "no final newline") }
        var family: String?
        // Lines end at every LF byte: split bytes, not Characters (to Swift, CR LF is one Character).
        let lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        for line in lines {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Invalid(line: line, why: "HELP without text") }
                help[String(rest[..<space])] = String(rest[rest.index(after: space)...])
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw Invalid(line: line, why: "bad TYPE")
                }
                guard types[String(parts[2])] == nil else { throw Invalid(line: line, why: "second TYPE for a family") }
                types[String(parts[2])] = String(parts[3])
                family = String(parts[2])
            } else {
                let sample = try Self.sample(line)
                guard let family, sample.name == family || (types[family] == "histogram"
                    && ["_bucket", "_sum", "_count"].contains(where: { sample.name == family + $0 })) else {
                    throw Invalid(line: line, why: "sample outside its family")
                }
                samples.append(sample)
            }
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    static func sample(_ line: String) throws -> Sample {
        var chars = Array(line.unicodeScalars)[...]
        var name = ""
        while let c = chars.first, c == "_" || c == ":" || c.properties.isASCIIHexDigit || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) {
            name.unicodeScalars.append(c)
            chars.removeFirst()
        }
        guard !name.isEmpty, !("0"..."9").contains(name.unicodeScalars.first!) else { throw Invalid(line: line, why: "bad metric name") }
        var labels: [String: String] = [:]
        if chars.first == "{" {
            chars.removeFirst()
            while chars.first != "}" {
                var key = ""
                while let c = chars.first, c != "=" { key.unicodeScalars.append(c); chars.removeFirst() }
                guard !key.isEmpty, chars.popFirst() == "=", chars.popFirst() == "\"" else { throw Invalid(line: line, why: "bad label") }
                var value = ""
                while true {
                    guard let c = chars.popFirst() else { throw Invalid(line: line, why: "unterminated label value") }
                    if c == "\"" { break }
                    if c == "\\" {
                        switch chars.popFirst() {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw Invalid(line: line, why: "invalid escape")
                        }
                    } else {
                        value.unicodeScalars.append(c)
                    }
                }
                guard labels[key] == nil else { throw Invalid(line: line, why: "duplicate label") }
                labels[key] = value
                if chars.first == "," { chars.removeFirst() } else if chars.first != "}" { throw Invalid(line: line, why: "bad label separator") }
            }
            chars.removeFirst()
        }
        guard chars.popFirst() == " " else { throw Invalid(line: line, why: "no space before the value") }
        let text = String(String.UnicodeScalarView(chars))
        let value: Double? = switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
        guard let value, !text.contains(" ") else { throw Invalid(line: line, why: "bad value") }
        return Sample(name: name, labels: labels, value: value)
    }
}
