@testable import Observability
import Synchronization
import Testing

/// A scrape: every family in registration order, collectors run first, valid exposition text
/// even when label values carry quotes, backslashes and line breaks.
@Suite struct MetricsRegistryTests {
    @Test func aScrapeIsValidExpositionText() throws {
        let registry = MetricsRegistry()
        let calls = registry.register(CounterFamily("mcp_calls_total", help: "Calls by tool.", labels: ["tool"]))
        let up = registry.gauge("mcp_up", help: "Up.")
        let latency = registry.register(HistogramFamily("mcp_latency_seconds", help: "Latency.", labels: ["tool"], bounds: [0.5]))
        let nasty = "evil\"} 1\nfake_metric 666\r\n\\"
        calls.handle([nasty]).add()
        calls.handle(["add"]).add(3)
        latency.handle([nasty]).observe(0.2)
        let scrapes = Atomic<Int>(0)
        registry.onCollect {
            scrapes.add(1, ordering: .relaxed)
            up.set(1)
        }

        let output = registry.render()
        #expect(scrapes.load(ordering: .relaxed) == 1)
        let text = try Exposition(output)
        #expect(text.help == ["mcp_calls_total": "Calls by tool.", "mcp_up": "Up.", "mcp_latency_seconds": "Latency."])
        #expect(text.value("mcp_calls_total", ["tool": nasty]) == 1)
        #expect(text.value("mcp_calls_total", ["tool": "add"]) == 3)
        #expect(text.value("mcp_up") == 1)
        #expect(text.value("mcp_latency_seconds_count", ["tool": nasty]) == 1)
        #expect(!text.samples.contains { $0.name == "fake_metric" })
        // Families in registration order.
        let typeLines = output.split(separator: "\n").filter { $0.hasPrefix("# TYPE") }
        #expect(typeLines == ["# TYPE mcp_calls_total counter", "# TYPE mcp_up gauge", "# TYPE mcp_latency_seconds histogram"])
        #expect(MetricsRegistry.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func collectorsRunOnEveryScrape() {
        let registry = MetricsRegistry()
        let g = registry.gauge("n", help: "N.")
        let n = Atomic<Int>(0)
        registry.onCollect { g.set(n.add(1, ordering: .relaxed).newValue) }
        _ = registry.render()
        #expect(registry.render().hasSuffix("n 2\n"))
    }

    @Test func anEmptyRegistryRendersNothing() throws {
        #expect(MetricsRegistry().render() == "")
    }

    @Test func helpTextIsEscaped() throws {
        let registry = MetricsRegistry()
        _ = registry.counter("h", help: "line one\nline two \\ end")
        let text = try Exposition(registry.render())
        #expect(text.help["h"] == #"line one\nline two \\ end"#)
    }
}
