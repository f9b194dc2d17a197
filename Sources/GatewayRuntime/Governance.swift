import EnvoyServices
import Logging
import MCPGateway
import Observability
import Synchronization
import TokenAuth

/// Rate limits, metrics and the audit trail, behind the processor's observer hooks.
package struct Governance: MCPRequestObserver, AuthObserver {
    /// What a reload may change: the audit trail (destination, argument names) and the session
    /// lifetime the session gauge counts with.
    struct Settings: Sendable {
        var audit: AuditTrail
        var sessionTTL: Double
    }

    /// Swapped whole by a reload; a writer holding the previous trail finishes its line before
    /// the replaced file is closed (the sink closes when its last reference goes).
    final class LiveSettings: Sendable {
        let current: Mutex<Settings>
        init(_ settings: Settings) { current = Mutex(settings) }
    }

    let metrics: GatewayMetrics
    let settings: LiveSettings
    var audit: AuditTrail { settings.current.withLock { $0.audit } }
    var sessionTTL: Double { settings.current.withLock { $0.sessionTTL } }
    /// A (result, reason) pair ext_authz reports.
    struct AuthDecision: Hashable {
        let result: String
        let reason: String
    }

    /// Series for every (result, reason) pair ext_authz can report, resolved once.
    let authSeries: [AuthDecision: Counter]

    package init(metrics: GatewayMetrics, audit: AuditTrail, sessionTTL: Double) {
        self.metrics = metrics
        self.settings = LiveSettings(Settings(audit: audit, sessionTTL: sessionTTL))
        var series: [AuthDecision: Counter] = [:]
        let reasons = ["deny": ["missing_token", "forbidden", "malformed", "algorithm", "unknown_key", "invalid_key", "signature",
                                "expired", "not_yet_valid", "issuer", "audience", "claims", "rejected", "config", "other"],
                       "allow": ["jwt", "kubernetes", "other"], "error": ["reviewer_unavailable", "other"]]
        for (result, list) in reasons.sorted(by: { $0.key < $1.key }) {
            for r in list { series[AuthDecision(result: result, reason: r)] = metrics.authDecisions.handle([result, r]) }
        }
        authSeries = series
    }

    package func answeredLocally(_ reply: LocalReply, caller: CallerIdentity?, session: ClientSession?, requestID: String?) {
        metrics.handledLocally.add()
        metrics.countRequest(method: reply.rpcMethod ?? "other", ok: reply.status < 400 && reply.refusal == nil)
        if let s = reply.newSession { metrics.sessionOpened(s, ttl: sessionTTL) }
        if let s = reply.endedSession { metrics.sessionEnded(s) }
        if let tool = reply.refusedTool, let why = reply.refusal {
            // Refused before reaching a server (policy: `forbidden`; server down: `unavailable`),
            // counted against the catalog's tool; unknown names and other reasons create nothing.
            if let outcome = ToolOutcome(label: why) { metrics.countRefusedToolCall(tool: tool, outcome: outcome) }
            audit.record(tool: tool, server: "", caller: caller, sessionRef: session?.auditReference ?? "", requestID: requestID, outcome: why,
                         status: reply.status, seconds: 0)
        }
    }

    package func forwarded(_ record: ForwardRecord, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double) {
        metrics.countRequest(method: record.rpcMethod, ok: outcome == "ok")
        guard record.rpcMethod == "tools/call" else { return }
        if let o = ToolOutcome(label: outcome) { metrics.countToolCall(server: record.server, tool: record.tool, outcome: o, seconds: seconds) }
        audit.record(tool: record.tool, server: record.server, caller: caller, sessionRef: record.sessionRef, requestID: requestID,
                     outcome: outcome, status: status, seconds: seconds, argumentNames: record.argumentNames)
    }

    package func forwarding(_ plan: ForwardPlan) {
        metrics.handledForwarded.add()
    }

    /// A handshake-era GET stream (`method="GET"`) or a `subscriptions/listen` went to the
    /// stream endpoint.
    package func streaming(_ plan: StreamPlan) {
        metrics.handledStream.add()
        metrics.countRequest(method: plan.session == nil ? "subscriptions/listen" : "GET", ok: true)
    }

    package func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?) {
        metrics.rateLimited.handle([plan.server.name]).add()
        metrics.countToolCall(server: plan.server.name, tool: plan.publicName, outcome: .rateLimited, seconds: nil)
        metrics.countRequest(method: plan.rpcMethod, ok: false)
        audit.record(tool: plan.publicName, server: plan.server.name, caller: caller, sessionRef: plan.clientSession?.auditReference ?? "", requestID: requestID,
                     outcome: "rate_limited", status: 429, seconds: 0)
    }

    package func decided(result: String, reason: String) {
        metrics.extAuthzChecks.add()
        (authSeries[AuthDecision(result: result, reason: reason)] ?? authSeries[AuthDecision(result: result, reason: "other")])?.add()
    }
}
