import Synchronization

/// All metric families, rendered in Prometheus text format on scrape. Collectors run at scrape
/// time for values read from elsewhere (process stats, catalog state).
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[Renderable]>([])
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    enum Renderable {
        case family(MetricFamily)
        case histogram(HistogramFamily)
    }

    @discardableResult
    public func register(_ f: MetricFamily) -> MetricFamily {
        families.withLock { $0.append(.family(f)) }
        return f
    }

    @discardableResult
    public func register(_ h: HistogramFamily) -> HistogramFamily {
        families.withLock { $0.append(.histogram(h)) }
        return h
    }

    /// Runs before each render, to refresh gauges computed from elsewhere.
    public func onCollect(_ collector: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collector) }
    }

    public func render() -> String {
        for c in collectors.withLock({ $0 }) { c() }
        var out = ""
        out.reserveCapacity(16 * 1024)
        for f in families.withLock({ $0 }) {
            switch f {
            case .family(let m): m.render(into: &out)
            case .histogram(let h): h.render(into: &out)
            }
        }
        return out
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
