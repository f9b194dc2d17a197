import Synchronization

/// Anything the registry renders: a family's HELP and TYPE lines, then its series.
protocol RenderableFamily: Sendable {
    func render(into out: inout String)
}

/// Series sharing a name, a type and label names: one handle per label set, made on first use
/// and the same handle afterwards. Label sets are asked for when something changes (start-up, a
/// new catalog, a scrape), not per request: callers keep the handles. Bounded: past
/// `maxLabelSets` label sets the family hands out its shared `sink`, whose updates are dropped
/// (a name flood cannot grow memory). Series can be removed (`remove(where:)`): what the gateway
/// tracks follows its catalog and configuration.
public final class MetricFamily<Handle: MetricHandle>: RenderableFamily {
    public let name: String
    public let help: String
    public let type: String
    public let labelNames: [String]
    public let maxLabelSets: Int
    /// Values kept as integers; `scale` turns them into the exposed number (e.g. 1e-6 for µs).
    let scale: Double
    private let make: @Sendable (_ labels: String, _ live: Bool) -> Handle
    /// What a full family hands out: updates to it go nowhere, and it is never rendered.
    public let sink: Handle

    private struct Series {
        var entries: [(values: [String], handle: Handle)] = []
        var index: [[String]: Int] = [:]
    }

    private let series = Mutex(Series())

    init(name: String, help: String, type: String, labels: [String], maxLabelSets: Int, scale: Double,
         make: @escaping @Sendable (_ labels: String, _ live: Bool) -> Handle) {
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labels
        self.maxLabelSets = max(1, maxLabelSets)
        self.scale = scale
        self.make = make
        sink = make("", false)
    }

    /// The handle for this label set (`values` in `labelNames` order), made if new; the sink when full.
    public func handle(_ values: [String]) -> Handle {
        precondition(values.count == labelNames.count, "\(name): wrong label count")
        return series.withLock { s in
            if let i = s.index[values] { return s.entries[i].handle }
            guard s.entries.count < maxLabelSets else { return sink }
            let h = make(PrometheusText.labels(labelNames, values), true)
            s.index[values] = s.entries.count
            s.entries.append((values, h))
            return h
        }
    }

    /// The handle of a label set made earlier, without making one.
    public func existing(_ values: [String]) -> Handle? {
        series.withLock { s in s.index[values].map { s.entries[$0].handle } }
    }

    /// Drops the series whose label values match (handles still held elsewhere keep working,
    /// unseen, until released). Returns how many went.
    @discardableResult
    public func remove(where drop: ([String]) -> Bool) -> Int {
        series.withLock { s in
            let before = s.entries.count
            s.entries.removeAll { drop($0.values) }
            guard s.entries.count != before else { return 0 }
            s.index = Dictionary(uniqueKeysWithValues: s.entries.enumerated().map { ($1.values, $0) })
            return before - s.entries.count
        }
    }

    /// How many label sets have a series now.
    public var count: Int { series.withLock { $0.entries.count } }

    /// Label values of every series, in the order they were made.
    public var labelSets: [[String]] { series.withLock { $0.entries.map(\.values) } }

    func render(into out: inout String) {
        out += "# HELP \(name) \(PrometheusText.help(help))\n# TYPE \(name) \(type)\n"
        for h in series.withLock({ $0.entries.map(\.handle) }) {
            h.render(name: name, scale: scale, into: &out)
        }
    }
}

public typealias CounterFamily = MetricFamily<Counter>
public typealias GaugeFamily = MetricFamily<Gauge>
public typealias HistogramFamily = MetricFamily<Histogram>

extension MetricFamily where Handle == Counter {
    public convenience init(_ name: String, help: String, labels: [String] = [], maxLabelSets: Int = 1024, scale: Double = 1) {
        self.init(name: name, help: help, type: "counter", labels: labels, maxLabelSets: maxLabelSets, scale: scale) {
            Counter(labels: $0, live: $1)
        }
    }
}

extension MetricFamily where Handle == Gauge {
    public convenience init(_ name: String, help: String, labels: [String] = [], maxLabelSets: Int = 1024, scale: Double = 1) {
        self.init(name: name, help: help, type: "gauge", labels: labels, maxLabelSets: maxLabelSets, scale: scale) {
            Gauge(labels: $0, live: $1)
        }
    }
}

extension MetricFamily where Handle == Histogram {
    public convenience init(_ name: String, help: String, labels: [String] = [], bounds: [Double], maxLabelSets: Int = 1024) {
        let shape = HistogramShape(bounds: bounds)
        self.init(name: name, help: help, type: "histogram", labels: labels, maxLabelSets: maxLabelSets, scale: 1) {
            Histogram(labels: $0, shape: shape, live: $1)
        }
    }
}
