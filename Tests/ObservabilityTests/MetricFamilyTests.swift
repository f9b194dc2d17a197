@testable import Observability
import Testing

/// Counters, gauges and histograms: their values and how they render.
@Suite struct MetricFamilyTests {
    func render(_ f: MetricFamily) -> String {
        var out = ""
        f.render(into: &out)
        return out
    }

    @Test func aCounterWithoutLabels() throws {
        let c = MetricFamily("jobs_total", help: "Jobs done.")
        c.add()
        c.add(4)
        #expect(c.value() == 5)
        #expect(render(c) == "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 5\n")
    }

    @Test func aLabelledCounterKeepsOneSeriesPerLabelSet() throws {
        let c = MetricFamily("calls_total", help: "Calls.", labels: ["server", "outcome"])
        let ok = c.slot(["calc", "ok"]), err = c.slot(["calc", "error"])
        #expect(c.slot(["calc", "ok"]) == ok)
        c.add(2, slot: ok)
        c.add(slot: err)
        c.add(slot: ok)
        let text = try Exposition(render(c))
        #expect(text.samples.count == 2)
        #expect(text.value("calls_total", ["server": "calc", "outcome": "ok"]) == 3)
        #expect(text.value("calls_total", ["server": "calc", "outcome": "error"]) == 1)
        #expect(text.types["calls_total"] == "counter")
    }

    @Test func aFullFamilyDropsNewLabelSetsInsteadOfGrowing() {
        let c = MetricFamily("t_total", help: "T.", labels: ["tool"], capacity: 2)
        let a = c.slot(["a"]), b = c.slot(["b"]), extra = c.slot(["c"])
        #expect(a == 0 && b == 1 && extra == -1)
        c.add(5, slot: extra)
        c.set(5, slot: extra)
        #expect(c.value(slot: extra) == 0)
        #expect(render(c).split(separator: "\n").count == 4)
    }

    @Test func aScaledGauge() throws {
        let g = MetricFamily("latency_seconds", help: "Last latency.", kind: .gauge, scale: 1e-6)
        g.set(1_500_000)
        g.set(250_000)
        let text = try Exposition(render(g))
        #expect(text.types["latency_seconds"] == "gauge")
        #expect(text.value("latency_seconds") == 0.25)
    }

    @Test func aHistogramHasCumulativeBucketsSumAndCount() throws {
        let h = HistogramFamily("d_seconds", help: "Durations.", labels: ["tool"], bounds: [0.1, 1, 10])
        let s = h.slot(["add"])
        for v in [0.05, 0.1, 0.5, 2, 20] { h.observe(v, slot: s) }
        h.observe(1, slot: -1)  // a full family's overflow slot: dropped
        var out = ""
        h.render(into: &out)
        let text = try Exposition(out)
        #expect(text.types["d_seconds"] == "histogram")
        #expect(text.value("d_seconds_bucket", ["tool": "add", "le": "0.1"]) == 2)  // 0.1 itself is "<= 0.1"
        #expect(text.value("d_seconds_bucket", ["tool": "add", "le": "1"]) == 3)
        #expect(text.value("d_seconds_bucket", ["tool": "add", "le": "10"]) == 4)
        #expect(text.value("d_seconds_bucket", ["tool": "add", "le": "+Inf"]) == 5)
        #expect(text.value("d_seconds_count", ["tool": "add"]) == 5)
        #expect(abs(try #require(text.value("d_seconds_sum", ["tool": "add"])) - 22.65) < 1e-6)
    }
}
