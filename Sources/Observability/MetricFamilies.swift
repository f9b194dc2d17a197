import Synchronization

/// A family of counters or gauges sharing a name and label names.
public final class MetricFamily: Sendable {
    public enum Kind: String, Sendable { case counter, gauge }

    public let name: String
    public let help: String
    public let kind: Kind
    public let labelNames: [String]
    let slots: LabelSlots
    let cells: [AtomicCell]
    /// Values kept as integers; `scale` turns them into the exposed number (e.g. 1e-6 for µs).
    let scale: Double

    public init(_ name: String, help: String, kind: Kind = .counter, labels: [String] = [], capacity: Int = 1024, scale: Double = 1) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labels
        self.slots = LabelSlots(capacity: capacity)
        self.cells = (0..<max(1, capacity)).map { _ in AtomicCell() }
        self.scale = scale
        if labels.isEmpty { _ = slots.slot(for: []) }
    }

    /// Registers a label set (or finds it). Slot -1 means "full": updates to it are dropped.
    public func slot(_ labels: [String]) -> Int {
        precondition(labels.count == labelNames.count, "\(name): wrong label count")
        return slots.slot(for: labels) ?? -1
    }

    public func add(_ n: Int = 1, slot: Int = 0) {
        guard slot >= 0 else { return }
        cells[slot].value.add(n, ordering: .relaxed)
    }

    public func set(_ v: Int, slot: Int = 0) {
        guard slot >= 0 else { return }
        cells[slot].value.store(v, ordering: .relaxed)
    }

    public func value(slot: Int = 0) -> Int { slot >= 0 ? cells[slot].value.load(ordering: .relaxed) : 0 }

    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.help(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for (i, labels) in slots.registered.enumerated() {
            out += name + PrometheusText.labels(labelNames, labels) + " " + PrometheusText.number(Double(value(slot: i)) * scale) + "\n"
        }
    }
}

/// A histogram family: per label set, cumulative bucket counts, a sum and a count.
public final class HistogramFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    public let bounds: [Double]
    let slots: LabelSlots
    /// Per slot: one cell per bound, then +Inf (count), then the sum in microseconds.
    let cells: [AtomicCell]

    public init(_ name: String, help: String, labels: [String], bounds: [Double], capacity: Int = 1024) {
        self.name = name
        self.help = help
        self.labelNames = labels
        self.bounds = bounds
        self.slots = LabelSlots(capacity: capacity)
        self.cells = (0..<(max(1, capacity) * (bounds.count + 2))).map { _ in AtomicCell() }
    }

    public func slot(_ labels: [String]) -> Int { slots.slot(for: labels) ?? -1 }

    public func observe(_ seconds: Double, slot: Int) {
        guard slot >= 0 else { return }
        let base = slot * (bounds.count + 2)
        if let i = bounds.firstIndex(where: { seconds <= $0 }) { cells[base + i].value.add(1, ordering: .relaxed) }
        cells[base + bounds.count].value.add(1, ordering: .relaxed)
        cells[base + bounds.count + 1].value.add(Int(seconds * 1e6), ordering: .relaxed)
    }

    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.help(help))\n# TYPE \(name) histogram\n"
        for (slot, labels) in slots.registered.enumerated() {
            let base = slot * (bounds.count + 2)
            var cumulative = 0
            for (i, bound) in bounds.enumerated() {
                cumulative += cells[base + i].value.load(ordering: .relaxed)
                out += "\(name)_bucket" + PrometheusText.labels(labelNames + ["le"], labels + [PrometheusText.number(bound)]) + " \(cumulative)\n"
            }
            let count = cells[base + bounds.count].value.load(ordering: .relaxed)
            out += "\(name)_bucket" + PrometheusText.labels(labelNames + ["le"], labels + ["+Inf"]) + " \(count)\n"
            let sum = Double(cells[base + bounds.count + 1].value.load(ordering: .relaxed)) / 1e6
            out += "\(name)_sum" + PrometheusText.labels(labelNames, labels) + " " + PrometheusText.number(sum) + "\n"
            out += "\(name)_count" + PrometheusText.labels(labelNames, labels) + " \(count)\n"
        }
    }
}

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
