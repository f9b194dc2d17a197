import Synchronization

/// All metric families, rendered in Prometheus text format on scrape, in registration order.
/// Collectors run at scrape time for values read from elsewhere (process stats, catalog state).
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[any RenderableFamily]>([])
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    @discardableResult
    public func register<H>(_ family: MetricFamily<H>) -> MetricFamily<H> {
        families.withLock { $0.append(family) }
        return family
    }

    /// An unlabelled counter, registered as a family of its own.
    public func counter(_ name: String, help: String, scale: Double = 1) -> Counter {
        register(CounterFamily(name, help: help, scale: scale)).handle([])
    }

    /// An unlabelled gauge, registered as a family of its own.
    public func gauge(_ name: String, help: String) -> Gauge {
        register(GaugeFamily(name, help: help)).handle([])
    }

    /// Runs before each render, to refresh gauges computed from elsewhere.
    public func onCollect(_ collector: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collector) }
    }

    public func render() -> String {
        for c in collectors.withLock({ $0 }) { c() }
        var out = ""
        out.reserveCapacity(16 * 1024)
        for f in families.withLock({ $0 }) { f.render(into: &out) }
        return out
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
