@testable import Observability
import Synchronization
import Testing

/// Counters, gauges and histograms: handles per label set, their values and how they render.
@Suite struct MetricFamilyTests {
    func render<H>(_ f: MetricFamily<H>) -> String {
        var out = ""
        f.render(into: &out)
        return out
    }

    @Test func aCounterWithoutLabels() throws {
        let f = CounterFamily("jobs_total", help: "Jobs done.")
        let c = f.handle([])
        c.add()
        c.add(4)
        #expect(c.value == 5)
        #expect(c.labels == "")
        #expect(render(f) == "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 5\n")
    }

    @Test func aLabelSetGetsOneHandleMadeOnFirstUse() throws {
        let f = CounterFamily("calls_total", help: "Calls.", labels: ["server", "outcome"])
        #expect(render(f) == "# HELP calls_total Calls.\n# TYPE calls_total counter\n")  // nothing until asked for
        let ok = f.handle(["calc", "ok"]), err = f.handle(["calc", "error"])
        #expect(f.handle(["calc", "ok"]) === ok)
        #expect(f.existing(["calc", "ok"]) === ok)
        #expect(f.existing(["calc", "timeout"]) == nil)
        #expect(f.count == 2)  // `existing` made nothing
        ok.add(2)
        err.add()
        ok.add()
        #expect(render(f) == "# HELP calls_total Calls.\n# TYPE calls_total counter\n"
            + "calls_total{server=\"calc\",outcome=\"ok\"} 3\ncalls_total{server=\"calc\",outcome=\"error\"} 1\n")
        let text = try Exposition(render(f))
        #expect(text.value("calls_total", ["server": "calc", "outcome": "ok"]) == 3)
        #expect(text.types["calls_total"] == "counter")
    }

    @Test func labelsAreRenderedOnceAndEscaped() {
        let f = CounterFamily("t_total", help: "T.", labels: ["tool"])
        let h = f.handle(["a\"b\\c\r\nd"])
        #expect(h.labels == "{tool=\"a\\\"b\\\\c\r\\nd\"}")
    }

    @Test func aFullFamilyHandsOutItsSinkInsteadOfGrowing() {
        let f = CounterFamily("t_total", help: "T.", labels: ["tool"], maxLabelSets: 2)
        let a = f.handle(["a"]), b = f.handle(["b"]), extra = f.handle(["c"]), more = f.handle(["d"])
        #expect(a !== b && extra === f.sink && more === f.sink)
        extra.add(5)
        extra.set(5)
        #expect(extra.value == 0)
        #expect(f.count == 2)
        #expect(render(f).split(separator: "\n").count == 4)
        // Room again once a series goes.
        #expect(f.remove { $0 == ["a"] } == 1)
        #expect(f.handle(["c"]) !== f.sink)
    }

    @Test func removedSeriesAreNotRenderedAndComeBackFromZero() throws {
        let f = CounterFamily("t_total", help: "T.", labels: ["server", "tool"])
        let kept = f.handle(["s", "kept"]), gone = f.handle(["s", "gone"])
        kept.add()
        gone.add(7)
        #expect(f.remove { $0[1] == "gone" } == 1)
        #expect(f.remove { $0[1] == "gone" } == 0)
        gone.add()  // a late update through a handle still held: harmless, unseen
        #expect(f.labelSets == [["s", "kept"]])
        #expect(!render(f).contains("gone"))
        #expect(f.handle(["s", "kept"]) === kept)  // the index still finds what stayed
        let again = f.handle(["s", "gone"])
        #expect(again !== gone && again.value == 0)
        #expect(f.labelSets == [["s", "kept"], ["s", "gone"]])
    }

    @Test func aScaledCounterAndAGauge() throws {
        let cpu = CounterFamily("cpu_seconds_total", help: "CPU.", scale: 1e-6)
        cpu.handle([]).set(1_500_000)
        #expect(try Exposition(render(cpu)).value("cpu_seconds_total") == 1.5)
        let g = GaugeFamily("depth", help: "Depth.")
        g.handle([]).set(3)
        g.handle([]).add(-5)
        let text = try Exposition(render(g))
        #expect(text.types["depth"] == "gauge")
        #expect(text.value("depth") == -2)
    }

    @Test func aHistogramHasCumulativeBucketsSumAndCount() throws {
        let f = HistogramFamily("d_seconds", help: "Durations.", labels: ["tool"], bounds: [0.1, 1, 10])
        let h = f.handle(["add"])
        for v in [0.05, 0.1, 0.5, 2, 20] { h.observe(v) }
        f.sink.observe(1)  // a full family's sink: dropped
        #expect(f.sink.count == 0)
        #expect(h.count == 5)
        #expect(render(f) == """
            # HELP d_seconds Durations.
            # TYPE d_seconds histogram
            d_seconds_bucket{tool="add",le="0.1"} 2
            d_seconds_bucket{tool="add",le="1"} 3
            d_seconds_bucket{tool="add",le="10"} 4
            d_seconds_bucket{tool="add",le="+Inf"} 5
            d_seconds_sum{tool="add"} 22.65
            d_seconds_count{tool="add"} 5

            """)
        let text = try Exposition(render(f))
        #expect(text.value("d_seconds_bucket", ["tool": "add", "le": "0.1"]) == 2)  // 0.1 itself is "<= 0.1"
        #expect(abs(try #require(text.value("d_seconds_sum", ["tool": "add"])) - 22.65) < 1e-6)
    }

    @Test func anUnlabelledHistogramAndOddObservations() throws {
        let f = HistogramFamily("u_seconds", help: "U.", bounds: [1])
        let h = f.handle([])
        h.observe(.nan)
        h.observe(.infinity)
        h.observe(0.5)
        let text = try Exposition(render(f))
        #expect(text.value("u_seconds_bucket", ["le": "1"]) == 1)
        #expect(text.value("u_seconds_bucket", ["le": "+Inf"]) == 3)
        #expect(text.value("u_seconds_count") == 3)
        #expect(text.value("u_seconds_sum") == 0.5)
    }

    @Test func concurrentUpdatesAreAllCounted() async {
        let f = CounterFamily("c_total", help: "C.", labels: ["k"])
        let hf = HistogramFamily("h_seconds", help: "H.", labels: ["k"], bounds: [0.5])
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    let c = f.handle([String(t % 2)]), h = hf.handle([String(t % 2)])
                    for _ in 0..<10_000 { c.add(); h.observe(0.25) }
                }
            }
        }
        #expect(f.handle(["0"]).value + f.handle(["1"]).value == 80_000)
        #expect(hf.handle(["0"]).count == 40_000)
        #expect(f.count == 2)
    }
}
