/// The text exposition format's escaping and numbers.
enum PrometheusText {
    static func labels(_ names: [String], _ values: [String]) -> String {
        guard !names.isEmpty else { return "" }
        return "{" + zip(names, values).map { "\($0)=\"\(escape($1))\"" }.joined(separator: ",") + "}"
    }

    /// A label value: `\`, `"` and line feed escaped. Walks Unicode scalars, not Characters: to
    /// Swift, CR LF is one Character that matches neither case, and a tool name a backend chose
    /// (`x\r\nfake_metric 1`) would have put a line of its own into the scrape.
    static func escape(_ v: String) -> String {
        escaped(v, quote: true)
    }

    /// HELP text: `\` and line feed escaped (the format leaves `"` alone there).
    static func help(_ v: String) -> String {
        escaped(v, quote: false)
    }

    private static func escaped(_ v: String, quote: Bool) -> String {
        guard v.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || (quote && $0 == 0x22) }) else { return v }
        var out = String.UnicodeScalarView()
        for c in v.unicodeScalars {
            switch c {
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case "\"" where quote: out.append(contentsOf: #"\""#.unicodeScalars)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            default: out.append(c)
            }
        }
        return String(out)
    }

    /// Integers without a fraction; infinities and NaN spelt as the format wants (`+Inf`, `NaN`).
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return "\(v)"
    }
}
