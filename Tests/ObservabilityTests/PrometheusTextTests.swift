@testable import Observability
import Testing

/// Label values and numbers as the exposition format wants them.
@Suite struct PrometheusTextTests {
    @Test(arguments: [
        ("plain", "plain"),
        (#"back\slash"#, #"back\\slash"#),
        (#"say "hi""#, #"say \"hi\""#),
        ("two\nlines", #"two\nlines"#),
        ("crlf\r\nsplit", "crlf\r\\nsplit"),
        ("é✓", "é✓"),
        (#"\""#, #"\\\""#),
    ])
    func labelValuesAreEscaped(raw: String, escaped: String) throws {
        #expect(PrometheusText.escape(raw) == escaped)
        #expect(!PrometheusText.escape(raw).contains("\n"))
        // And a reader gets the original back.
        let line = "m" + PrometheusText.labels(["v"], [raw]) + " 1"
        #expect(try Exposition.sample(line).labels == ["v": raw])
    }

    @Test func labelSets() {
        #expect(PrometheusText.labels([], []) == "")
        #expect(PrometheusText.labels(["server", "tool"], ["calc", "add"]) == #"{server="calc",tool="add"}"#)
    }

    @Test func numbers() {
        #expect(PrometheusText.number(0) == "0")
        #expect(PrometheusText.number(42) == "42")
        #expect(PrometheusText.number(-3) == "-3")
        #expect(PrometheusText.number(0.25) == "0.25")
        #expect(PrometheusText.number(1e-6) == "1e-06")
        #expect(Double(PrometheusText.number(1e20)) == 1e20)
        #expect(PrometheusText.number(.infinity) == "+Inf")
        #expect(PrometheusText.number(-.infinity) == "-Inf")
        #expect(PrometheusText.number(.nan) == "NaN")
    }
}
