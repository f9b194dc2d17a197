#if canImport(Glibc)
import Glibc
#endif
import Logging
import MCPGateway

/// One JSON line per tool call: who, what, where, how it went. Never a token, never argument
/// values; the session appears only as a non-reversible reference.
package struct AuditTrail: Sendable {
    let sink: LogSink?
    let includeArgumentNames: Bool

    package init(config: AuditConfig) throws {
        includeArgumentNames = config.includeArgumentNames
        switch config.destination {
        case "off": sink = nil
        case "stdout": sink = .standardOutput
        case let path:
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw ConfigError(field: "audit.destination", "cannot open \(path) for appending") }
            sink = LogSink(fd: fd, ownsDescriptor: true)
        }
    }

    func record(tool: String, server: String, caller: CallerIdentity?, sessionRef: String, requestID: String?,
                outcome: String, status: Int, seconds: Double, argumentNames: [String] = []) {
        guard let sink else { return }
        var line = JSONLine()
        line.add("ts", WallClock.iso8601Now())
        line.add("event", "tool_call")
        line.add("request_id", requestID ?? "")
        line.add("caller", caller?.subject ?? "anonymous")
        if let sa = caller?.serviceAccount { line.add("service_account", sa) }
        line.add("session", sessionRef)
        line.add("server", server)
        line.add("tool", tool)
        line.add("outcome", outcome)
        line.add("status", status)
        line.addRaw("duration_ms", String(format3(seconds * 1000)))
        if includeArgumentNames { line.add("argument_names", strings: argumentNames) }
        sink.write(line.finish())
    }

    private func format3(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        return String(scaled)
    }
}
