import Synchronization

/// One series of a family: its value(s) as relaxed atomics and its label set rendered once, when
/// the handle is made (escaped, in braces: `{server="calculus",tool="calculus_solve",outcome="ok"}`,
/// or "" without labels). Callers keep the handle, so an update is an atomic add: no lookup, no
/// lock, no allocation, no string work. A full family hands out its shared sink instead, whose
/// updates are dropped.
public protocol MetricHandle: AnyObject, Sendable {
    /// The label set as it appears in the exposition text.
    var labels: String { get }
    /// Appends this series' sample lines.
    func render(name: String, scale: Double, into out: inout String)
}

/// A monotonically increasing count.
public final class Counter: MetricHandle {
    public let labels: String
    let live: Bool
    private let cell = Atomic<Int>(0)

    init(labels: String, live: Bool = true) {
        self.labels = labels
        self.live = live
    }

    @inline(__always)
    public func add(_ n: Int = 1) {
        guard live else { return }
        cell.add(n, ordering: .relaxed)
    }

    /// For totals kept elsewhere (a component's own count, process CPU), copied at scrape time.
    public func set(_ v: Int) {
        guard live else { return }
        cell.store(v, ordering: .relaxed)
    }

    public var value: Int { cell.load(ordering: .relaxed) }

    public func render(name: String, scale: Double, into out: inout String) {
        out += name + labels + " " + PrometheusText.number(Double(value) * scale) + "\n"
    }
}

/// A value that goes up and down.
public final class Gauge: MetricHandle {
    public let labels: String
    let live: Bool
    private let cell = Atomic<Int>(0)

    init(labels: String, live: Bool = true) {
        self.labels = labels
        self.live = live
    }

    public func set(_ v: Int) {
        guard live else { return }
        cell.store(v, ordering: .relaxed)
    }

    public func add(_ n: Int) {
        guard live else { return }
        cell.add(n, ordering: .relaxed)
    }

    public var value: Int { cell.load(ordering: .relaxed) }

    public func render(name: String, scale: Double, into out: inout String) {
        out += name + labels + " " + PrometheusText.number(Double(value) * scale) + "\n"
    }
}

/// The bucket bounds a histogram family's handles share, with their `le` label text rendered once.
final class HistogramShape: Sendable {
    let bounds: [Double]
    /// `le="0.1"` … `le="+Inf"`.
    let le: [String]

    init(bounds: [Double]) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram bounds must increase")
        self.bounds = bounds
        le = (bounds.map(PrometheusText.number) + ["+Inf"]).map { "le=\"\($0)\"" }
    }
}

/// Observations in fixed buckets, with their sum (kept in microseconds) and count.
public final class Histogram: MetricHandle, @unchecked Sendable {
    public let labels: String
    let live: Bool
    let shape: HistogramShape
    /// One cell per bound (observations in that bucket only, not cumulative), then the count
    /// (the `+Inf` bucket), then the sum in microseconds. Written only through atomics.
    private let cells: UnsafeMutablePointer<Atomic<Int>>
    private var countIndex: Int { shape.bounds.count }

    init(labels: String, shape: HistogramShape, live: Bool = true) {
        self.labels = labels
        self.shape = shape
        self.live = live
        let n = shape.bounds.count + 2
        cells = .allocate(capacity: n)
        for i in 0..<n { (cells + i).initialize(to: Atomic(0)) }
    }

    deinit {
        cells.deinitialize(count: shape.bounds.count + 2)
        cells.deallocate()
    }

    public func observe(_ seconds: Double) {
        guard live else { return }
        let bounds = shape.bounds
        var i = 0
        while i < bounds.count && !(seconds <= bounds[i]) { i += 1 }  // NaN: only in +Inf
        if i < bounds.count { cells[i].add(1, ordering: .relaxed) }
        cells[countIndex].add(1, ordering: .relaxed)
        let micros = seconds * 1e6
        cells[countIndex + 1].add(micros.isFinite && abs(micros) < 9e18 ? Int(micros) : 0, ordering: .relaxed)
    }

    public var count: Int { cells[countIndex].load(ordering: .relaxed) }
    public var sum: Double { Double(cells[countIndex + 1].load(ordering: .relaxed)) / 1e6 }

    public func render(name: String, scale: Double, into out: inout String) {
        // `{a="x"}` becomes `{a="x",le="…"}`; no labels, `{le="…"}`.
        let open = labels.isEmpty ? "{" : String(labels.dropLast()) + ","
        var cumulative = 0
        for (i, le) in shape.le.dropLast().enumerated() {
            cumulative += cells[i].load(ordering: .relaxed)
            out += name + "_bucket" + open + le + "} " + String(cumulative) + "\n"
        }
        let count = self.count
        out += name + "_bucket" + open + shape.le[shape.le.count - 1] + "} " + String(count) + "\n"
        out += name + "_sum" + labels + " " + PrometheusText.number(sum) + "\n"
        out += name + "_count" + labels + " " + String(count) + "\n"
    }
}
